"""Child view routes: search, the child's page (shell, then content), chronology, identity, print, break-glass.

Views are short: the flow lives in service.py, audit entries in audit_events.py.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.access.decision import AccessDecision
from portal.access.filtering import explain
from portal.access.purposes import BREAK_GLASS_REASONS, PURPOSES
from portal.auth.permissions import PRACTITIONER_ROLES, roles_required
from portal.children import audit_events, presenter
from portal.children.forms import SearchInput, purpose_choices, validate_search
from portal.children.reference import BadReference, ChildReference, decode_reference, encode_reference
from portal.children.searching import run_search
from portal.children.service import assemble, decide_access, header_from_search, now_utc
from portal.children.streaming import event_stream
from portal.children.viewing import audited_view
from portal.chronology import format_event_date
from portal.data.access_lookup import BreakGlassError, begin_break_glass, finish_break_glass
from portal.rendering import render_page

bp = Blueprint("children", __name__, url_prefix="/children")
PRINT_PAGE_SIZE = 10_000  # a printout carries every significant event, not one screen's page


@bp.app_template_global("event_date")
def event_date_global(event) -> str:  # type: ignore[no-untyped-def]
    return format_event_date(event)


@bp.app_template_global("agreed_values")
def agreed_values_global(values):  # type: ignore[no-untyped-def]
    return presenter.agreed_values(values)


@bp.app_template_global("explain")
def explain_global(item, decision) -> str:  # type: ignore[no-untyped-def]
    return explain(item, decision)


def _reference(token: str) -> ChildReference:
    try:
        reference = decode_reference(token, current_app.config["SECRET_KEY"], current_user.id)
    except BadReference:
        abort(404)
    g.child_reference = reference  # a "busy" refusal of this request is audited against this child
    return reference


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
    return encode_reference(reference, current_app.config["SECRET_KEY"])


@bp.get("/search")
@roles_required(*PRACTITIONER_ROLES)
def search() -> ResponseReturnValue:
    return render_page("children/search.html", entered=SearchInput(), errors={}, purposes=purpose_choices())


@bp.post("/search")
@roles_required(*PRACTITIONER_ROLES)
def search_results() -> ResponseReturnValue:
    entered = SearchInput.from_form(request.form)
    searched = validate_search(entered, now_utc().date())
    if searched.errors:
        return render_page("children/search.html", entered=entered, errors=searched.errors,
                           purposes=purpose_choices(), status=400)
    results = run_search(searched, current_user.id, _link)
    return render_page("children/results.html", results=results, purpose=PURPOSES[searched.purpose])


@bp.get("/<token>")
@roles_required(*PRACTITIONER_ROLES)
def show_child(token: str) -> ResponseReturnValue:
    """The page shell at once (no record content); the content arrives by htmx, or by the link without JS."""
    reference, decision, refusal = _open(token)
    if refusal is not None:
        return refusal
    return render_page("children/child.html", token=token, decision=decision, record=None,
                       header=header_from_search(reference), agencies=_configured_agencies(),
                       purpose=PURPOSES[reference.purpose])


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
    return event_stream(token, reference, decision)


@bp.get("/<token>/chronology")
@roles_required(*PRACTITIONER_ROLES)
def chronology(token: str) -> ResponseReturnValue:
    return _render_record(token, block="chronology", event_type="chronology_page")


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
    if not agency or not source_id or request.form.get("decision") not in ("confirm", "reject"):
        abort(400)
    audit_events.record_identity_decision(reference, agency, source_id, confirm)
    flash("Record confirmed as this child for this session." if confirm else "Record marked as not this child.",
          "success")
    return redirect(url_for("children.show_child", token=_link(reference.with_decision(agency, source_id, confirm))))


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
    try:
        started = begin_break_glass(current_user, reference.chi, reason_code, justification, now_utc())
    except BreakGlassError as error:
        errors = {"reason" if "reason" in str(error) else "justification": str(error).capitalize()}
        return _refused(token, reference, decision, errors=errors, status=400)
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
    record = assemble(current_user, reference, decision)
    page_size = PRINT_PAGE_SIZE if event_type == "print" else presenter.PAGE_SIZE
    view = audited_view(record, event_type, request.args, page_size=page_size)
    return render_page(template, block=block, token=token, decision=decision, record=record, params=view.params,
                       chronology=view.chronology, timeline=view.timeline, agencies=_configured_agencies(),
                       purpose=PURPOSES[reference.purpose], query_string=presenter.query_string,
                       printed_at=now_utc())


def _refused(token: str, reference: ChildReference, decision, *, errors: dict[str, str] | None = None,  # type: ignore[no-untyped-def]
             status: int = 403) -> ResponseReturnValue:
    return render_page("children/refused.html", token=token, decision=decision, errors=errors or {},
                       reasons=BREAK_GLASS_REASONS, purpose=PURPOSES[reference.purpose], status=status)


def _configured_agencies() -> list[tuple[str, str]]:
    from portal.sources import registry

    return [(c.agency, c.display_name) for c in registry().connectors]
