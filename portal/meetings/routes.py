"""Meeting mode: start, prepare, present, reveal, curtain, end — one child on a shared screen.

Views are short: the child view's flow and masking live in screen.py, audit entries in audit_events.py,
and everything persisted (metadata, roles, ids) in portal/data/meetings.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.access.decision import AccessDecision
from portal.access.purposes import PURPOSES
from portal.auth.permissions import PRACTITIONER_ROLES, roles_required
from portal.auth.sessions import reference_key
from portal.children import audit_events as child_audit
from portal.children.assemble import now_utc
from portal.children.reference import BadReference, ChildReference, decode_reference, encode_reference
from portal.data import meetings as store
from portal.data.users import SignedInUser, list_users
from portal.extensions import htmx
from portal.limits import limit_refusals
from portal.meetings import audit_events, screen
from portal.meetings.forms import (
    MEETING_TYPES,
    REVEAL_REASONS,
    MeetingInput,
    parse_item,
    purpose_choices,
    validate_meeting,
)
from portal.rendering import render_page

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
limit_refusals(bp)
MAX_SELECTION = 5_000  # more ids than any chronology holds: a bigger form is not one this portal sent


def _time_box() -> timedelta:
    # The meeting's time box matches the sign-in idle limit, so the record never outlives the session.
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def _colleagues() -> list[SignedInUser]:
    return [u for u in list_users() if u.role in PRACTITIONER_ROLES and u.id != current_user.id]


def _child(token: str) -> ChildReference:
    try:
        reference = decode_reference(token, current_app.config["SECRET_KEY"], current_user.id,
                                     session_key=reference_key())
    except BadReference as error:
        child_audit.record_invalid_reference("another user's" if "someone else" in str(error) else
                                             "unknown, tampered or expired")
        abort(404)
    if reference.purpose not in PURPOSES:  # only a forged link could carry one
        child_audit.record_invalid_reference("unknown purpose")
        abort(404)
    return reference


def _meeting(public_id: str) -> store.MeetingInfo:
    meeting = store.find_meeting(public_id, current_user.id)
    if meeting is None:
        abort(404)
    return meeting


def _opened(meeting: store.MeetingInfo) -> tuple[ChildReference, AccessDecision]:
    """The child reference and access decision for a meeting; refusals are audited, then 403/404."""
    reference = screen.child_reference(meeting, current_user.id)
    if reference is None:
        abort(404)
    decision = screen.decide(current_user, reference, now_utc())
    g.child_reference, g.child_decision = reference, decision  # a "busy" refusal is audited against this child
    if not decision.allowed:
        child_audit.record_refusal(reference, decision)
        abort(403)
    return reference, decision


def _ended_or_timed_out(meeting: store.MeetingInfo) -> ResponseReturnValue | None:
    """Never leave the record visible: a finished meeting goes to its record, an expired one is ended."""
    if meeting.status in ("ended", "timed_out"):
        return _go(url_for("meetings.minutes", public_id=meeting.public_id))
    if meeting.expired(now_utc()):
        return _go(url_for("meetings.timed_out", public_id=meeting.public_id))
    return None


def _go(url: str) -> ResponseReturnValue:
    """A redirect; for an htmx page step, the whole window goes (a fragment swap would keep the old screen)."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


@bp.get("/new/<token>")
@roles_required(*PRACTITIONER_ROLES)
def new_meeting(token: str) -> ResponseReturnValue:
    reference = _child(token)
    decision = screen.decide(current_user, reference, now_utc())
    if not decision.allowed:
        child_audit.record_refusal(reference, decision)
        abort(403)
    return render_page("meetings/new.html", token=token, entered=MeetingInput(purpose=reference.purpose), errors={},
                       colleagues=_colleagues(), types=MEETING_TYPES, purposes=purpose_choices())


@bp.post("/new/<token>")
@roles_required(*PRACTITIONER_ROLES)
def create_meeting(token: str) -> ResponseReturnValue:
    reference = _child(token)
    entered = MeetingInput.from_form(request.form)
    attendees, errors = validate_meeting(entered, _colleagues())
    if not errors:
        reference = replace(reference, purpose=entered.purpose)
    decision = screen.decide(current_user, reference, now_utc())
    if not decision.allowed:
        child_audit.record_refusal(reference, decision)
        abort(403)
    if errors:
        return render_page("meetings/new.html", token=token, entered=entered, errors=errors, colleagues=_colleagues(),
                           types=MEETING_TYPES, purposes=purpose_choices(), status=400)
    bound = encode_reference(reference, current_app.config["SECRET_KEY"], session_key=reference_key())
    meeting = store.create_meeting(current_user.id, entered.meeting_type, entered.family_present,
                                   entered.child_present, bound, attendees, now_utc(), _time_box())
    if entered.action == "start":
        return _start(meeting)
    return redirect(url_for("meetings.prepare", public_id=meeting.public_id))


def _screen_args() -> MultiDict[str, str]:
    """The address's controls without words: the chronology's words travel only by POST and an opaque reference
    (children.filter_address), so words typed into a meeting's address are not read."""
    return MultiDict([(key, value) for key, value in request.args.items(multi=True) if key != "q"])


@bp.get("/<public_id>/prepare")
@roles_required(*PRACTITIONER_ROLES)
def prepare(public_id: str) -> ResponseReturnValue:
    """The chair's preview of exactly what the family will see, with the events to pick."""
    meeting = _meeting(public_id)
    if meeting.status != "preparing":
        return redirect(url_for("meetings.present", public_id=public_id))
    reference, decision = _opened(meeting)
    shown = screen.open_screen(current_user, meeting, reference, decision, _screen_args(), event_type="view_child",
                               family_view=True, use_selection=False, page_size=screen.HANDOUT_PAGE_SIZE, now=now_utc())
    return render_page("meetings/prepare.html", meeting=meeting, screen=shown, types=MEETING_TYPES)


@bp.post("/<public_id>/prepare")
@roles_required(*PRACTITIONER_ROLES)
def save_selection(public_id: str) -> ResponseReturnValue:
    keys = {key for key in (parse_item(v) for v in request.form.getlist("item")[:MAX_SELECTION]) if key}
    try:
        store.save_selection(public_id, current_user.id, keys, now_utc())
    except store.MeetingError:
        abort(404)
    flash(f"{len(keys)} events will be shown. Start the meeting when the room is ready.", "success")
    return redirect(url_for("meetings.prepare", public_id=public_id))


@bp.post("/<public_id>/start")
@roles_required(*PRACTITIONER_ROLES)
def start(public_id: str) -> ResponseReturnValue:
    return _start(_meeting(public_id))


def _start(meeting: store.MeetingInfo) -> ResponseReturnValue:
    if meeting.status != "preparing":
        return redirect(url_for("meetings.present", public_id=meeting.public_id))
    reference, decision = _opened(meeting)
    started = store.start_meeting(meeting.public_id, current_user.id, now_utc(), _time_box())
    audit_events.record_start(started, reference, decision.basis, decision.clause_refs)
    return redirect(url_for("meetings.present", public_id=meeting.public_id))


@bp.get("/<public_id>")
@roles_required(*PRACTITIONER_ROLES)
def present(public_id: str) -> ResponseReturnValue:
    """The shared screen: full width, large type, chronology first; masked when the family is in the room."""
    meeting = _meeting(public_id)
    if meeting.status == "preparing":
        return redirect(url_for("meetings.prepare", public_id=public_id))
    finished = _ended_or_timed_out(meeting)
    if finished is not None:
        return finished
    reference, decision = _opened(meeting)
    # Using the screen (a page, a step to the next page) is activity: the time box starts again, as sign-in's does.
    meeting = store.extend_meeting(public_id, current_user.id, now_utc(), _time_box())
    event_type = "chronology_page" if request.args.get("page") else "view_child"
    shown = screen.open_screen(current_user, meeting, reference, decision, _screen_args(), event_type=event_type,
                               now=now_utc())
    return render_page("meetings/present.html", block="screen", meeting=meeting, screen=shown, types=MEETING_TYPES,
                       reasons=REVEAL_REASONS, now=now_utc())


@bp.post("/<public_id>/presence")
@roles_required(*PRACTITIONER_ROLES)
def change_presence(public_id: str) -> ResponseReturnValue:
    meeting = _meeting(public_id)
    finished = _ended_or_timed_out(meeting)
    if finished is not None:
        return finished
    reference, _ = _opened(meeting)
    changed = store.set_presence(public_id, current_user.id, request.form.get("family_present") == "yes",
                                 request.form.get("child_present") == "yes", now_utc())
    audit_events.record_presence(changed, reference, (meeting.family_present, meeting.child_present))
    return redirect(url_for("meetings.present", public_id=public_id))


@bp.post("/<public_id>/extend")
@roles_required(*PRACTITIONER_ROLES)
def extend(public_id: str) -> ResponseReturnValue:
    meeting = _meeting(public_id)
    finished = _ended_or_timed_out(meeting)
    if finished is not None:
        return finished
    store.extend_meeting(public_id, current_user.id, now_utc(), _time_box())
    return redirect(url_for("meetings.present", public_id=public_id))


@bp.get("/<public_id>/withheld")
@roles_required(*PRACTITIONER_ROLES)
def withheld(public_id: str) -> ResponseReturnValue:
    """The chair's list of withheld items: agency, date and why; never what they say."""
    meeting = _meeting(public_id)
    finished = _ended_or_timed_out(meeting)
    if finished is not None:
        return finished
    reference, decision = _opened(meeting)
    return render_page("meetings/withheld.html", meeting=meeting, errors={}, reasons=REVEAL_REASONS,
                       screen=screen.withheld_screen(current_user, meeting, reference, decision))


@bp.post("/<public_id>/reveal")
@roles_required(*PRACTITIONER_ROLES)
def reveal(public_id: str) -> ResponseReturnValue:
    meeting = _meeting(public_id)
    finished = _ended_or_timed_out(meeting)
    if finished is not None:
        return finished
    reference, decision = _opened(meeting)
    found = screen.withheld_screen(current_user, meeting, reference, decision)
    key = parse_item(request.form.get("item", ""))
    item = next((w for w in found.masked.withheld if w.key == key), None)
    errors = _reveal_errors(item, request.form.get("reason", ""), request.form.get("confirm") == "yes")
    if errors:
        return render_page("meetings/withheld.html", meeting=meeting, errors=errors, reasons=REVEAL_REASONS,
                           screen=found, status=400)
    assert item is not None
    revealed = store.add_reveal(public_id, current_user.id, item.key, request.form["reason"], now_utc())
    audit_events.record_reveal(revealed, reference, item.agency, item.record_id, request.form["reason"], item.reason)
    return redirect(url_for("meetings.present", public_id=public_id))


def _reveal_errors(item: object, reason: str, confirmed: bool) -> dict[str, str]:
    errors = {}
    if item is None:
        errors["item"] = "Select the withheld item to show"
    if reason not in REVEAL_REASONS:
        errors["reason"] = "Select the reason the room may see it"
    if not confirmed:
        errors["confirm"] = "Confirm that this item may be shown to everyone in the room"
    return errors


@bp.post("/<public_id>/end")
@roles_required(*PRACTITIONER_ROLES)
def end(public_id: str) -> ResponseReturnValue:
    meeting = _meeting(public_id)
    reference = screen.child_reference(meeting, current_user.id)
    if meeting.status in ("ended", "timed_out") or reference is None:
        return redirect(url_for("meetings.minutes", public_id=public_id))
    ended = store.end_meeting(public_id, current_user.id, now_utc())
    audit_events.record_end(ended, reference, timed_out=False, now=now_utc())
    flash("The meeting has ended. The screen no longer shows the child's record.", "success")
    return redirect(url_for("meetings.minutes", public_id=public_id))


@bp.get("/<public_id>/timed-out")
@roles_required(*PRACTITIONER_ROLES)
def timed_out(public_id: str) -> ResponseReturnValue:
    """A blank screen: the meeting ran out of time, so nothing about the child is shown."""
    meeting = _meeting(public_id)
    reference = screen.child_reference(meeting, current_user.id)
    if meeting.status in ("preparing", "live") and meeting.expired(now_utc()) and reference is not None:
        ended = store.end_meeting(public_id, current_user.id, now_utc(), timed_out=True)
        audit_events.record_end(ended, reference, timed_out=True, now=now_utc())
    # The screen's own clock ran out first (seconds apart): still blank, with the way back to the meeting.
    return render_page("meetings/timed_out.html", meeting=_meeting(public_id))


@bp.get("/<public_id>/record")
@roles_required(*PRACTITIONER_ROLES)
def minutes(public_id: str) -> ResponseReturnValue:
    """For the minutes: items shown (ids, dates, agencies), reveals, attendees and times; no content."""
    meeting = _meeting(public_id)
    if meeting.status in ("preparing", "live"):
        return redirect(url_for("meetings.present", public_id=public_id))
    reference, decision = _opened(meeting)
    shown = screen.handout_screen(current_user, meeting, reference, decision, document="meeting record for the minutes")
    return render_page("meetings/record.html", meeting=meeting, screen=shown, types=MEETING_TYPES,
                       reasons=REVEAL_REASONS, purpose=PURPOSES.get(reference.purpose))


@bp.get("/<public_id>/handout")
@roles_required(*PRACTITIONER_ROLES)
def handout(public_id: str) -> ResponseReturnValue:
    """A redacted handout of exactly what the room saw, watermarked; printed, and audited as a print."""
    meeting = _meeting(public_id)
    if meeting.status in ("preparing", "live"):
        return redirect(url_for("meetings.present", public_id=public_id))
    reference, decision = _opened(meeting)
    shown = screen.handout_screen(current_user, meeting, reference, decision)
    return render_page("meetings/handout.html", meeting=meeting, screen=shown, types=MEETING_TYPES,
                       printed_at=now_utc())
