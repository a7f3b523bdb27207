"""The IG side of the transparency tool: flows and stoppages, governance, review and publish.

Each page reads the trail, so each records an `audit_read` first; publishing records an
`audit_export` naming the period and the SHA-256 of what was published.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

import portal.transparency.views  # noqa: F401  (registers the public pages on bp)
from portal.audit import trail
from portal.rendering import render_page
from portal.transparency import service
from portal.transparency.blueprint import READ_PURPOSE, bp, ig_only
from portal.transparency.forms import Period, read_period, today_uk
from portal.transparency.governance import clause_usage, reviews_due
from portal.transparency.labels import REASON_CLASSES, labelled
from portal.transparency.pictures import flow_diagram, trend_charts
from portal.transparency.publication import cell_text

__all__ = ["bp"]


def render(template: str, *, period: Period, status: int = 200, **context: Any) -> ResponseReturnValue:
    return render_page(template, status=status, period=period, errors=period.errors or None, labelled=labelled,
                       cell_text=cell_text, reason_classes=REASON_CLASSES,
                       public_on=current_app.config.get("TRANSPARENCY_PUBLIC"), **context)


def _read(view: str, period: Period) -> None:
    trail.record("audit_read", purpose_of_use=READ_PURPOSE,
                    details={"view": view, "period_start": period.start.isoformat(),
                             "period_end": period.end.isoformat()})


@bp.get("/")
@ig_only
def flows() -> ResponseReturnValue:
    period = read_period(request.args)
    _read("transparency_flows", period)
    figures = service.period_figures(period)
    return render("transparency/flows.html", period=period, flows=figures, diagram=flow_diagram(figures),
                  charts=trend_charts(figures), status=400 if period.errors else 200)


@bp.get("/governance")
@ig_only
def governance() -> ResponseReturnValue:
    period = read_period(request.args)
    _read("transparency_governance", period)
    findings = service.period_governance(period)
    agreements = current_app.extensions["agreements"]
    cited, unused = clause_usage(agreements, findings.clause_use)
    return render("transparency/governance.html", period=period, findings=findings, cited=cited, unused=unused,
                  reviews=reviews_due(agreements, today_uk()), status=400 if period.errors else 200)


@bp.get("/publish")
@ig_only
def review_publication() -> ResponseReturnValue:
    period = read_period(request.args)
    _read("transparency_publish_review", period)
    return render("transparency/review.html", period=period, snapshot=service.preview_snapshot(period),
                  published=service.list_published(), status=400 if period.errors else 200)


@bp.post("/publish")
@ig_only
def publish() -> ResponseReturnValue:
    period = read_period(request.form)
    if period.errors or request.form.get("confirm") != "yes":
        if not period.errors:
            period.errors["confirm"] = "Confirm that you have reviewed the figures before publishing"
        return render("transparency/review.html", period=period, snapshot=service.preview_snapshot(period),
                      published=service.list_published(), status=400)
    done = service.publish_snapshot(period)
    flash(f"Snapshot {done.snapshot_id} published for {period.describe()}.", "success")
    query: dict[str, Any] = period.args  # url_for's values are untyped; ours are the period's numbers
    return redirect(url_for("transparency.review_publication", **query))
