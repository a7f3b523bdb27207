"""The public side: published snapshots only (no sign-in), as a page, CSV and JSON, and the schema.

Off (404) unless TRANSPARENCY_PUBLIC is set. Nothing here reads the trail: only stored,
already-suppressed snapshots.
"""

from __future__ import annotations

import io

from flask import Response, abort
from flask.typing import ResponseReturnValue

from portal.rendering import render_page
from portal.transparency import service
from portal.transparency.blueprint import bp, require_public
from portal.transparency.diagram import layout
from portal.transparency.labels import REASON_CLASSES
from portal.transparency.pictures import published_flow_links
from portal.transparency.publication import CSV_HEADER, SCHEMA_VERSION, cell_text, snapshot_json, write_snapshot_csv


def _snapshot_or_404(snapshot_id: int | None) -> service.PublishedSnapshot:
    require_public()
    snapshot = service.published(snapshot_id)
    if snapshot is None:
        abort(404)
    return snapshot


@bp.get("/public")
def public_latest() -> ResponseReturnValue:
    require_public()
    snapshot = service.published()
    if snapshot is None:
        return render_page("transparency/public_none.html")
    return _public_page(snapshot)


@bp.get("/public/<int:snapshot_id>")
def public_snapshot(snapshot_id: int) -> ResponseReturnValue:
    return _public_page(_snapshot_or_404(snapshot_id))


def _public_page(snapshot: service.PublishedSnapshot) -> ResponseReturnValue:
    diagram = layout(published_flow_links(snapshot.figures), REASON_CLASSES)
    return render_page("transparency/public.html", snapshot=snapshot, figures=snapshot.figures, diagram=diagram,
                       cell_text=cell_text, reason_classes=REASON_CLASSES, earlier=service.list_published())


@bp.get("/public/<int:snapshot_id>.csv")
def public_csv(snapshot_id: int) -> ResponseReturnValue:
    snapshot = _snapshot_or_404(snapshot_id)
    out = io.StringIO()
    write_snapshot_csv(snapshot.figures, out)
    return _download(out.getvalue(), f"transparency-{snapshot.period_start}-to-{snapshot.period_end}.csv",
                     "text/csv")


@bp.get("/public/<int:snapshot_id>.json")
def public_json(snapshot_id: int) -> ResponseReturnValue:
    snapshot = _snapshot_or_404(snapshot_id)
    return _download(snapshot_json(snapshot.figures),
                     f"transparency-{snapshot.period_start}-to-{snapshot.period_end}.json", "application/json")


@bp.get("/public/schema")
def public_schema() -> ResponseReturnValue:
    require_public()
    return render_page("transparency/schema.html", schema_version=SCHEMA_VERSION, csv_header=CSV_HEADER)


def _download(body: str, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
