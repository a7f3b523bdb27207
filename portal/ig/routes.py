"""IG workspace: search the trail, entry details, the who-has-viewed report and exports.

Every read of the trail is itself recorded (`audit_read` / `audit_export`) before the
response is built; if that cannot be written, AuditUnavailable gives the 503 page.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue

import portal.ig.review_routes  # noqa: F401  (registers the break-glass and dashboard views on bp)
import portal.ig.session_routes  # noqa: F401  (registers the sessions page on bp)
from portal.audit import trail
from portal.audit.export import export_csv, export_fhir_bundle
from portal.audit.queries import count_entries, get_entry, iter_entries, search_entries, viewers_of_child
from portal.extensions import audit_db
from portal.form_refs import BadFormRef, decode_fields, encode_fields
from portal.ig.blueprint import READ_PURPOSE, SAR_PURPOSE, bp, ig_only
from portal.ig.forms import EVENT_TYPE_LABELS, PAGE_SIZE, TrailSearch, read_chi, read_export, read_trail_search
from portal.ig.reports import describe_filters, format_uk, sar_lines, write_sar_csv
from portal.rendering import render_page

__all__ = ["bp"]


SEARCH_SCOPE = "ig-trail-search"  # a search reference opens this page only
TRAIL_FIELDS = ("chi", "user", "organisation", "event_type", "break_glass",
                *(f"{end}-{part}" for end in ("from", "to") for part in ("day", "month", "year")))


def _page_url(page: int) -> str:
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "page"}
    return url_for("ig.search", **args, page=page)


@bp.post("/audit")
@ig_only
def search_form() -> ResponseReturnValue:
    """Post/Redirect/Get: the results live at an address (so Back and paging work) carrying no CHI or name."""
    fields = {key: request.form.get(key, "") for key in TRAIL_FIELDS if request.form.get(key)}
    return redirect(url_for("ig.search", q=encode_fields(fields, SEARCH_SCOPE)), code=303)


@bp.get("/audit")
@ig_only
def search() -> ResponseReturnValue:
    if "q" not in request.args:  # fields typed into the address itself are not read: they belong in the form
        return render_page("ig/search.html", search=TrailSearch(), entries=None, event_types=EVENT_TYPE_LABELS)
    try:
        fields = decode_fields(request.args["q"], SEARCH_SCOPE)
    except BadFormRef:
        return render_page("ig/search.html", search=TrailSearch(), entries=None, event_types=EVENT_TYPE_LABELS,
                           errors={"chi": "That search has expired or was made by someone else: search again"},
                           status=404)
    query = read_trail_search({**fields, "page": request.args.get("page", "")})
    if query.errors:
        return render_page("ig/search.html", search=query, entries=None, event_types=EVENT_TYPE_LABELS,
                           errors=query.errors)
    entries = search_entries(audit_db, limit=PAGE_SIZE, offset=query.offset, **query.filters)
    total = count_entries(audit_db, **query.filters)
    trail.record("audit_read", purpose_of_use=READ_PURPOSE, subject_chi=query.filters.get("child"),
                    details={"view": "trail_search", "filters": describe_filters(query.filters),
                             "page": query.page, "results": len(entries)})
    pages = max(1, -(-total // PAGE_SIZE))
    return render_page("ig/search.html", search=query, entries=entries, total=total, pages=pages,
                       page_url=_page_url, event_types=EVENT_TYPE_LABELS, format_uk=format_uk)


@bp.get("/audit/<int:sequence>")
@ig_only
def entry_detail(sequence: int) -> ResponseReturnValue:
    entry = get_entry(audit_db, sequence)
    if entry is None:
        abort(404)
    trail.record("audit_read", purpose_of_use=READ_PURPOSE, subject_chi=entry.subject_chi,
                    related_sequence=sequence, details={"view": "entry_detail"})
    return render_page("ig/entry.html", entry=entry, event_types=EVENT_TYPE_LABELS, format_uk=format_uk,
                       details_json=json.dumps(entry.details or {}, indent=2, sort_keys=True, ensure_ascii=False))


@bp.get("/who-viewed")
@ig_only
def who_viewed() -> ResponseReturnValue:
    return render_page("ig/who_viewed.html", chi_typed="", lines=None)


@bp.post("/who-viewed")
@ig_only
def who_viewed_report() -> ResponseReturnValue:
    """The report, from a POSTed CHI: the address never carries it (and a report is produced, not bookmarked)."""
    errors: dict[str, str] = {}
    chi = read_chi(request.form.get("chi"), "chi", errors, required=True)
    if chi is None:
        return render_page("ig/who_viewed.html", chi_typed=request.form.get("chi", ""), lines=None, errors=errors,
                           status=400)
    lines = sar_lines(iter_entries(audit_db, child=chi))
    viewers = viewers_of_child(audit_db, chi)
    trail.record("audit_read", purpose_of_use=SAR_PURPOSE, subject_chi=chi,
                    details={"view": "who_viewed_report", "lines": len(lines)})
    return render_page("ig/who_viewed.html", chi=chi, chi_typed=chi, lines=lines, viewers=viewers,
                       format_uk=format_uk, produced=format_uk(datetime.now(UTC)))


def _attachment(body: str, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


@bp.post("/who-viewed.csv")
@ig_only
def who_viewed_csv() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    chi = read_chi(request.form.get("chi"), "chi", errors, required=True)
    if chi is None:
        return render_page("ig/who_viewed.html", chi_typed=request.form.get("chi", ""), lines=None, errors=errors,
                           status=400)
    lines = sar_lines(iter_entries(audit_db, child=chi))
    trail.record("audit_export", purpose_of_use=SAR_PURPOSE, subject_chi=chi,
                    details={"export": "who_viewed_csv", "lines": len(lines)})
    out = io.StringIO()
    write_sar_csv(lines, out)
    # The file name carries no CHI: downloads folders and browser histories are not access-controlled.
    return _attachment(out.getvalue(), f"who-has-viewed-{_stamp()}.csv", "text/csv")


@bp.get("/exports")
@ig_only
def exports() -> ResponseReturnValue:
    return render_page("ig/exports.html", values={"format": "csv"})


@bp.post("/exports/download")
@ig_only
def download_export() -> ResponseReturnValue:
    wanted = read_export(request.form)  # POSTed: the CHI and user filters stay out of the address
    if wanted.errors:
        return render_page("ig/exports.html", values=wanted.values, errors=wanted.errors, status=400)
    trail.record("audit_export", purpose_of_use=READ_PURPOSE, subject_chi=wanted.filters.get("child"),
                    details={"export": wanted.export_format, "filters": describe_filters(wanted.filters)})
    if wanted.export_format == "fhir":
        bundle = export_fhir_bundle(audit_db, **wanted.filters)
        body = json.dumps(bundle, ensure_ascii=False, indent=1)
        return _attachment(body, f"audit-trail-{_stamp()}.fhir.json", "application/fhir+json")
    out = io.StringIO()
    export_csv(audit_db, out, **wanted.filters)
    return _attachment(out.getvalue(), f"audit-trail-{_stamp()}.csv", "text/csv")
