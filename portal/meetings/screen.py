"""One screen of a meeting: the child view's own flow (decide, gather, policy filter, audited view), then masking.

Masking works on what the chair may see and happens before anything is rendered or audited,
so the audit entry lists exactly the items that went to the shared screen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from werkzeug.datastructures import MultiDict

from connectors.models import ChronologyEvent
from portal.access.decision import AccessDecision
from portal.access.filtering import explain
from portal.auth.sessions import reference_key
from portal.children.assemble import ChildRecord, assemble, decide_access
from portal.children.reference import BadReference, ChildReference, decode_reference
from portal.children.shown import AuditedView, audited_view
from portal.data.meetings import MeetingInfo, record_shown
from portal.data.users import SignedInUser
from portal.meetings.masking import MaskedItems, MeetingMask, mask
from portal.record.merge import entry_events, format_event_date
from portal.record.summarise import build_summary

SCREEN_PAGE_SIZE = 12  # a page of events a room can read at 24 px and more
HANDOUT_PAGE_SIZE = 10_000  # the handout carries every item that was on screen


@dataclass(frozen=True)
class ScreenRow:
    """One event on the meeting's chronology, with its date in words, why it may be seen, and its timeline x."""

    event: ChronologyEvent
    date: str
    why: str
    x: float  # where its date falls on the timeline, for the cursor that follows the chronology


@dataclass(frozen=True)
class Screen:
    meeting: MeetingInfo
    record: ChildRecord  # masked: events, facts, notices and summary are what the room may see
    masked: MaskedItems
    view: AuditedView | None  # None for the chair's withheld list, which shows no chronology
    entries: tuple[tuple[ScreenRow, ...], ...] = ()  # the chronology page's entries, worked out before rendering


def screen_entries(view: AuditedView, decision: AccessDecision) -> tuple[tuple[ScreenRow, ...], ...]:
    """Each entry of the page on screen as rows (a group of reports of one incident has several)."""
    return tuple(
        tuple(ScreenRow(event, format_event_date(event), explain(event, decision), view.timeline.x_of(event.event_date))
              for event in entry_events(entry))
        for entry in view.chronology.page.items)


def child_reference(meeting: MeetingInfo, user_id: int) -> ChildReference | None:
    try:
        # Bound to the session it was made in, like every child link: the meeting dies with the session.
        return decode_reference(meeting.child_reference, current_app.config["SECRET_KEY"], user_id,
                                session_key=reference_key())
    except BadReference:
        return None


def decide(user: SignedInUser, reference: ChildReference, now: datetime) -> AccessDecision:
    return decide_access(user, reference, now)


def settings_for(meeting: MeetingInfo, reference: ChildReference, *, family_view: bool | None = None,
                 use_selection: bool = True) -> MeetingMask:
    family = meeting.family_in_room if family_view is None else family_view
    names = tuple(n for n in (" ".join(p for p in (reference.forename, reference.surname) if p),) if n)
    return MeetingMask(family_present=family, key=meeting.mask_key.encode("ascii"), revealed=meeting.revealed,
                       selection=meeting.selection if use_selection else None, child_names=names)


def masked_record(record: ChildRecord, settings: MeetingMask) -> tuple[ChildRecord, MaskedItems]:
    """The record as the screen may show it under these settings (in memory only)."""
    child_names = (record.header.name,) if record.header.name else ()
    masked = mask(record.events, record.facts, replace(settings, child_names=settings.child_names + child_names))
    if not settings.family_present:
        return replace(record, events=masked.events), masked
    summary = build_summary(masked.facts, [s.status for s in record.sources], agency_names=record.agency_names,
                            domains={s.agency: s.domain or s.agency for s in record.sources})
    return replace(record, events=masked.events, facts=masked.facts, notices={}, summary=summary), masked


def open_screen(user: SignedInUser, meeting: MeetingInfo, reference: ChildReference, decision: AccessDecision,
                args: MultiDict[str, str], *, event_type: str, family_view: bool | None = None,
                use_selection: bool = True, page_size: int = SCREEN_PAGE_SIZE, now: datetime) -> Screen:
    """Gather, mask, record the audit entry (before anything is sent) and note the items put on screen."""
    record = assemble(user, reference, decision)
    settings = settings_for(meeting, reference, family_view=family_view, use_selection=use_selection)
    shown_record, masked = masked_record(record, settings)
    view = audited_view(shown_record, event_type, args, page_size=page_size,
                        details={"meeting": meeting.public_id, "family_present": settings.family_present,
                                 "meeting_status": meeting.status})
    if meeting.status == "live":
        keys = [(e.agency, e.source_record_id) for entry in view.chronology.page.items
                for e in entry_events(entry)]
        record_shown(meeting.id, keys, now)
    return Screen(meeting, shown_record, masked, view, screen_entries(view, shown_record.decision))


def withheld_screen(user: SignedInUser, meeting: MeetingInfo, reference: ChildReference,
                    decision: AccessDecision) -> Screen:
    """What the chair could reveal: where, when and why items are withheld; no content is rendered."""
    record = assemble(user, reference, decision)
    shown_record, masked = masked_record(record, settings_for(meeting, reference, use_selection=False))
    return Screen(meeting, shown_record, masked, None)


def handout_screen(user: SignedInUser, meeting: MeetingInfo, reference: ChildReference, decision: AccessDecision, *,
                   document: str = "meeting handout") -> Screen:
    """Exactly the items the room saw (shown and revealed), masked as the room saw them; audited as a print."""
    record = assemble(user, reference, decision)
    on_screen = set(meeting.shown) | meeting.revealed
    settings = replace(settings_for(meeting, reference, use_selection=False), selection=frozenset(on_screen))
    shown_record, masked = masked_record(record, settings)
    view = audited_view(shown_record, "print", MultiDict({"show": "all"}), page_size=HANDOUT_PAGE_SIZE,
                        details={"meeting": meeting.public_id, "document": document,
                                 "family_present": settings.family_present})
    return Screen(meeting, shown_record, masked, view, screen_entries(view, shown_record.decision))
