"""Child view routes: search, the child's page (shell, then content), chronology, identity, print, break-glass.

Views are short: the flow lives in assemble.py (the record), display.py and first_screen.py (what the page
draws) and shown.py (the page shown and audited); audit entries in audit_events.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial
from typing import NoReturn
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal import labels
from portal.access.decision import AccessDecision
from portal.access.purposes import BREAK_GLASS_REASONS, PURPOSES
from portal.auth.permissions import PRACTITIONER_ROLES, roles_required
from portal.auth.sessions import reference_key
from portal.children import audit_events, display
from portal.children.assemble import assemble, decide_access, header_from_search, now_utc, start_gathering
from portal.children.drawing import draw_timeline
from portal.children.filter_address import FilterArgs, from_address, from_form
from portal.children.first_view import first_page, record_first_page
from portal.children.forms import SearchInput, SearchRequest, break_glass_errors, purpose_choices, validate_search
from portal.children.offers import offer_for_page, offered_here
from portal.children.page import build_page
from portal.children.reference import (
    BadReference,
    ChildReference,
    SearchReference,
    decode_reference,
    decode_search,
    encode_reference,
    encode_search,
)
from portal.children.searching import run_search
from portal.children.shown import prepare_view, record_shown
from portal.children.streaming import event_stream
from portal.children.turning import turn_page
from portal.data.access_lookup import BreakGlassError, begin_break_glass, finish_break_glass
from portal.errors import error_page
from portal.limits import limit_refusals
from portal.ratelimits import probe_limit
from portal.rendering import render_page

bp = Blueprint("children", __name__, url_prefix="/children")
LAST_RESULTS = "last_results"  # session key: the opaque reference of the user's latest search
limit_refusals(bp)
PRINT_PAGE_SIZE = 10_000  # a printout carries every significant event, not one screen's page
MAX_SOURCE_ID_CHARS = 200  # an agency's own record id


def today() -> date:
    """The portal's notion of today (UK date), which "review overdue" is measured against."""
    return labels.uk_time(now_utc()).date()


# Plain words and one date format on every page (portal/labels.py). What the child's page shows per field and
# per event is worked out before rendering (portal/children/page.py): no template calls back for it.
_FILTERS: dict[str, Callable[..., str]] = {
    "label": labels.label, "long_date": labels.long_date, "long_datetime": labels.long_datetime,
    "clock_time": labels.clock_time, "plain": labels.plain_value, "capitalize_first": labels.capitalize_first}
for _name, _filter in _FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


def _reference(token: str) -> ChildReference:
    """The child link's reference; an unknown, tampered, expired or another user's link is an audited 404."""
    try:
        reference = decode_reference(token, current_app.config["SECRET_KEY"], current_user.id,
                                     session_key=reference_key())
    except BadReference as error:
        _refuse_link(error)
    if reference.purpose not in PURPOSES:  # only a forged link could carry one
        audit_events.record_invalid_reference("unknown purpose")
        abort(404)
    g.child_reference = reference  # a "busy" refusal of this request is audited against this child
    return reference


def _refuse_link(error: BadReference) -> NoReturn:
    audit_events.record_invalid_reference("another user's" if "someone else" in str(error) else
                                          "unknown, tampered or expired")
    abort(404)


def _open(token: str) -> tuple[ChildReference, AccessDecision, ResponseReturnValue | None]:
    """The reference, the access decision, and the (audited) refusal page when access is refused."""
    reference = _reference(token)
    decision = decide_access(current_user, reference, now_utc())
    g.child_decision = decision
    if decision.allowed:
        return reference, decision, None
    audit_events.record_refusal(reference, decision)
    return reference, decision, _refused(token, reference, decision)


def _link(reference: ChildReference) -> str:
    return encode_reference(reference, current_app.config["SECRET_KEY"], session_key=reference_key())


@bp.get("/search")
@roles_required(*PRACTITIONER_ROLES)
def search() -> ResponseReturnValue:
    return render_page("children/search.html", entered=SearchInput(), errors={}, purposes=purpose_choices())


@bp.post("/search")
@roles_required(*PRACTITIONER_ROLES)
@probe_limit("SEARCH_RATE_LIMIT")  # searching is how someone would probe for children: bounded per user
def search_results() -> ResponseReturnValue:
    entered = SearchInput.from_form(request.form)
    searched = validate_search(entered, now_utc().date())
    if searched.errors:
        audit_events.record_invalid_search(list(searched.errors))
        return render_page("children/search.html", entered=entered, errors=searched.errors,
                           purposes=purpose_choices(), status=400)
    # Post/Redirect/Get: the results live at a GET URL (so Back works) that carries no CHI or name.
    reference = SearchReference(searched.query, searched.purpose, searched.by_chi, current_user.id)
    results_ref = encode_search(reference, current_app.config["SECRET_KEY"], session_key=reference_key())
    session[LAST_RESULTS] = results_ref  # only the opaque reference, for the child page's "Back to results"
    return redirect(url_for("children.results", ref=results_ref), code=303)


@bp.get("/results/<ref>")
@roles_required(*PRACTITIONER_ROLES)
def results(ref: str) -> ResponseReturnValue:
    """The results of a search, asked again of every agency (nothing from the first asking was kept)."""
    try:
        reference = decode_search(ref, current_app.config["SECRET_KEY"], current_user.id, session_key=reference_key())
    except BadReference as error:  # audited like a child link: someone else's results link is probing too
        _refuse_link(error)
    searched = SearchRequest(reference.query, reference.purpose, reference.by_chi)
    found = run_search(searched, current_user.id, _link)
    return render_page("children/results.html", results=found, purpose=PURPOSES[searched.purpose],
                       searched_by_chi=searched.by_chi)


def _back_to_results() -> str | None:
    """The results page this user last searched from, while its reference is still valid."""
    ref = session.get(LAST_RESULTS)
    if not ref:
        return None
    try:
        decode_search(ref, current_app.config["SECRET_KEY"], current_user.id, session_key=reference_key())
    except BadReference:
        return None
    return url_for("children.results", ref=ref)


@bp.get("/<token>")
@roles_required(*PRACTITIONER_ROLES)
def show_child(token: str) -> ResponseReturnValue:
    """The page shell at once (no record content); the content arrives by htmx, or by the link without JS."""
    reference, decision, refusal = _open(token)
    if refusal is not None:
        return refusal
    return render_page("children/child.html", token=token, decision=decision, record=None,
                       header=header_from_search(reference), agencies=_configured_agencies(),
                       purpose=PURPOSES[reference.purpose], back_to_results=_back_to_results())


@bp.get("/<token>/content")
@roles_required(*PRACTITIONER_ROLES)
def child_content(token: str) -> ResponseReturnValue:
    return _render_record(token, block="record", event_type="view_child")


@bp.get("/<token>/stream")
@roles_required(*PRACTITIONER_ROLES)
def stream_child(token: str) -> ResponseReturnValue:
    """Each agency's status as it answers, then the record (Server-Sent Events for the page shell)."""
    reference, decision, refusal = _open(token)
    if refusal is not None:
        return refusal
    return event_stream(token, reference, decision, today())


@bp.get("/<token>/chronology")
@roles_required(*PRACTITIONER_ROLES)
def chronology(token: str) -> ResponseReturnValue:
    if request.args.get("at") and request.headers.get("HX-Request"):  # "next page": read on from where it stopped
        reference, decision, refusal = _open(token)
        if refusal is not None:
            return refusal
        filters = from_address(request.args)
        if not filters.problem:
            return turn_page(token, reference, decision, request.args["at"], _configured_agencies(), filters.args)
        return _render_opened(token, reference, decision, filters, block="chronology", event_type="chronology_page")
    return _render_record(token, block="chronology", event_type="chronology_page")


@bp.post("/<token>/content")
@bp.post("/<token>/chronology")
@roles_required(*PRACTITIONER_ROLES)
def filter_chronology(token: str) -> ResponseReturnValue:
    """Post/Redirect/Get: the filtered chronology lives at an address (Back, reload, paging and print keep it)
    that carries the words typed only as an opaque reference (portal.children.filter_address)."""
    query = from_form(request.form)
    reference, decision, refusal = _open(token)  # decided here too: a refused user is refused (and audited) at once
    if refusal is not None:
        return refusal
    if request.headers.get("HX-Request"):  # htmx: the filtered chronology at once; it pushes the address itself
        return _render_opened(token, reference, decision, from_address(query), block="chronology",
                              event_type="chronology_page")
    pairs = urlencode(list(query.items(multi=True)))
    return redirect(url_for("children.child_content", token=token) + ("?" + pairs if pairs else "") + "#chronology",
                    code=303)


@bp.get("/<token>/print")
@roles_required(*PRACTITIONER_ROLES)
def print_child(token: str) -> ResponseReturnValue:
    return _render_record(token, block=None, event_type="print", template="children/print.html")


@bp.post("/<token>/identity")
@roles_required(*PRACTITIONER_ROLES)
def decide_identity(token: str) -> ResponseReturnValue:
    reference, decision, refusal = _open(token)
    if refusal is not None:  # no identity decisions about a child this user may not see
        return refusal
    agency, source_id = request.form.get("agency", ""), request.form.get("source_id", "")
    confirm = request.form.get("decision") == "confirm"
    known_agencies = {a for a, _ in _configured_agencies()}
    if agency not in known_agencies or not source_id or len(source_id) > MAX_SOURCE_ID_CHARS \
            or request.form.get("decision") not in ("confirm", "reject") \
            or not offered_here(token, agency, source_id, request.form.get("offer", "")):
        # Only a pair this page offered: else the trail would say they confirmed a record they were never shown.
        audit_events.record_invalid_reference("identity decision on a record the page did not offer")
        return error_page(400, "Sorry, there is a problem with that request",
                          "That identity decision names no record this portal offered. Go back to the child's "
                          "page and use the Confirm or Reject button.")
    audit_events.record_identity_decision(reference, agency, source_id, confirm)
    flash("Record confirmed as this child for this session." if confirm else "Record marked as not this child.",
          "success")
    return redirect(url_for("children.show_child", token=_link(reference.with_decision(agency, source_id, confirm))))


@bp.post("/<token>/purpose")
@roles_required(*PRACTITIONER_ROLES)
def change_purpose(token: str) -> ResponseReturnValue:
    """Open the same child for another purpose (after a refusal under the first); access is decided afresh."""
    reference = _reference(token)
    chosen = request.form.get("purpose", "")
    if chosen not in dict(purpose_choices()):
        abort(400)
    changed = replace(reference, purpose=chosen)
    return redirect(url_for("children.show_child", token=_link(changed)))


@bp.post("/<token>/break-glass")
@roles_required(*PRACTITIONER_ROLES)
def break_glass(token: str) -> ResponseReturnValue:
    reference = _reference(token)
    decision = decide_access(current_user, reference, now_utc())
    if decision.allowed:  # nothing to break (e.g. the form sent twice): go to the record
        return redirect(url_for("children.show_child", token=token))
    if not decision.break_glass_available:
        audit_events.record_refusal(reference, decision)
        return _refused(token, reference, decision)
    reason_code, justification = request.form.get("reason", ""), request.form.get("justification", "").strip()
    errors = break_glass_errors(reason_code, justification)  # one message per empty or wrong field
    if errors:
        audit_events.record_invalid_break_glass(reference, decision, list(errors))
        return _refused(token, reference, decision, errors=errors, status=400)
    try:
        started = begin_break_glass(current_user, reference.chi, reason_code, justification, now_utc())
    except BreakGlassError as error:
        audit_events.record_invalid_break_glass(reference, decision, ["justification"])
        return _refused(token, reference, decision, errors={"justification": str(error).capitalize()}, status=400)
    audit_events.record_break_glass_start(reference, reason_code, justification, started.grant_id,
                                          started.grant.expires_at.isoformat())
    from portal.children.alerting import alert_break_glass

    alert_break_glass(started, current_user.id)
    return redirect(url_for("children.show_child", token=token))


@bp.post("/<token>/break-glass/end")
@roles_required(*PRACTITIONER_ROLES)
def end_break_glass(token: str) -> ResponseReturnValue:
    reference = _reference(token)
    grant_id = finish_break_glass(current_user, reference.chi, now_utc())
    if grant_id is not None:
        audit_events.record_break_glass_end(reference, grant_id)
    flash("Break-glass access ended.", "info")
    return redirect(url_for("children.search"))


def _render_record(token: str, *, block: str | None, event_type: str,
                   template: str = "children/child.html") -> ResponseReturnValue:
    reference, decision, refusal = _open(token)
    if refusal is not None:
        return refusal
    filters = from_address(request.args)
    if event_type == "print":
        return _print(token, reference, decision, template, filters)
    return _render_opened(token, reference, decision, filters, block=block, event_type=event_type)


def _render_opened(token: str, reference: ChildReference, decision: AccessDecision, filters: FilterArgs, *,
                   block: str | None, event_type: str) -> ResponseReturnValue:
    # Like a page turn: who is linked and the summary's facts, then the page in windows (portal.children.first_view).
    gathering = start_gathering(reference, decision, summary_only=True)
    params = display.parse_params(filters.args, set(gathering.agencies))
    params = replace(params, errors={**filters.errors(), **params.errors})
    shown = first_page(current_user, reference, decision, gathering, gathering.in_order(gathering.answers), params)
    record = shown.record
    page = build_page(record, params, shown.table.page, today(), offer_for=partial(offer_for_page, token))
    # Built in memory first: the entry says what was shown, so nothing may fail after it is written.
    response = render_page("children/child.html", block=block, token=token, decision=decision, record=record,
                           page=page, params=params, chronology=shown.table, timeline=shown.timeline, first=shown,
                           agencies=list(record.agency_names.items()), purpose=PURPOSES[reference.purpose],
                           back_to_results=_back_to_results())
    if block == "chronology" and request.headers.get("HX-Request"):
        # Filters and page live in the address bar, so Back, reload and print keep them.
        pairs = display.query_string(params.address, page=params.page if params.page > 1 else "")
        response.headers["HX-Push-Url"] = url_for("children.child_content", token=token) + (
            "?" + urlencode(pairs) if pairs else "")
    record_first_page(shown, event_type, params)
    return response


def _print(token: str, reference: ChildReference, decision: AccessDecision, template: str,
           filters: FilterArgs) -> ResponseReturnValue:
    """A printout carries every matching significant event, all pages: it still gathers everything."""
    record = assemble(current_user, reference, decision)
    args = MultiDict([(key, value) for key, value in filters.args.items(multi=True) if key != "page"])
    view = prepare_view(record, args, page_size=PRINT_PAGE_SIZE)
    page = build_page(record, view.params, view.chronology.page, today())
    response = render_page(template, token=token, decision=decision, record=record, page=page,
                           params=view.params, chronology=view.chronology, timeline=view.timeline,
                           agencies=list(record.agency_names.items()), purpose=PURPOSES[reference.purpose],
                           printed_at=now_utc(), sections=display.print_sections(args),
                           back_to_results=_back_to_results(), filter_problem=filters.problem)
    record_shown(view, record, "print", details={"sections": sorted(display.print_sections(args))})
    return response


@bp.get("/<token>/timeline")
@roles_required(*PRACTITIONER_ROLES)
def timeline(token: str) -> ResponseReturnValue:
    """The timeline of every matching event, drawn when asked for (a long history's first page does not)."""
    reference, decision, refusal = _open(token)
    if refusal is not None:
        return refusal
    return draw_timeline(token, reference, decision, _back_to_results(), from_address(request.args))


def _refused(token: str, reference: ChildReference, decision: AccessDecision, *,
             errors: dict[str, str] | None = None, status: int = 403) -> ResponseReturnValue:
    return render_page("children/refused.html", token=token, decision=decision, errors=errors or {},
                       reasons=BREAK_GLASS_REASONS, purpose=PURPOSES[reference.purpose], status=status,
                       back_to_results=_back_to_results(), entered=request.form, purposes=purpose_choices(),
                       current_purpose=reference.purpose)


def _configured_agencies() -> list[tuple[str, str]]:
    from portal.sources import registry

    return [(c.agency, c.display_name) for c in registry().connectors]
