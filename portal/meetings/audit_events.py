"""Audit entries for meetings: start, presence, reveal, end. Roles, organisations and ids; never content.

Each commits before returning (AuditUnavailable propagates: the caller shows nothing about the child).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from portal.access.purposes import act_reasons_for
from portal.audit import trail
from portal.audit.entry import SourceAudit
from portal.children.reference import ChildReference
from portal.data.meetings import MeetingInfo


def meeting_details(meeting: MeetingInfo) -> dict[str, Any]:
    return {
        "meeting": meeting.public_id,
        "meeting_type": meeting.meeting_type,
        "family_present": meeting.family_present,
        "child_present": meeting.child_present,
    }


def attendees(meeting: MeetingInfo) -> list[dict[str, str]]:
    return [{"role": a.role, "organisation": a.organisation} for a in meeting.attendees]


def _common(reference: ChildReference) -> dict[str, Any]:
    return {"subject_chi": reference.chi, "purpose_code": reference.purpose,
            "purpose_of_use": act_reasons_for(reference.purpose)[0]}


def record_start(meeting: MeetingInfo, reference: ChildReference, relationship_basis: str,
                 agreements: Iterable[str]) -> None:
    trail.record("meeting_start", relationship_basis=relationship_basis, agreements=tuple(agreements),
                    details={**meeting_details(meeting), "attendees": attendees(meeting),
                             "expires_at": meeting.expires_at.isoformat()}, **_common(reference))


def record_presence(meeting: MeetingInfo, reference: ChildReference, before: tuple[bool, bool]) -> None:
    trail.record("meeting_presence", details={
        **meeting_details(meeting), "before": {"family_present": before[0], "child_present": before[1]}},
        **_common(reference))


def record_reveal(meeting: MeetingInfo, reference: ChildReference, agency: str, record_id: str,
                  reason_code: str, withheld_because: str) -> None:
    trail.record("meeting_reveal",
                    sources=(SourceAudit(agency=agency, status="revealed", item_count=1, record_ids=(record_id,)),),
                    details={**meeting_details(meeting), "item": {"agency": agency, "record_id": record_id},
                             "reason": reason_code, "withheld_because": withheld_because},
                    **_common(reference))


def record_end(meeting: MeetingInfo, reference: ChildReference, *, timed_out: bool, now: datetime) -> None:
    shown: dict[str, list[str]] = {}
    for agency, record_id in meeting.shown:
        shown.setdefault(agency, []).append(record_id)
    trail.record("meeting_end", details={
        **meeting_details(meeting), "ended": "timed out" if timed_out else "by the chair",
        "started_at": meeting.started_at.isoformat() if meeting.started_at else None,
        "ended_at": (meeting.ended_at or now).isoformat(), "attendees": attendees(meeting),
        "shown": shown, "reveals": [{"agency": r.agency, "record_id": r.record_id, "reason": r.reason_code}
                                    for r in meeting.reveals]},
        sources=tuple(SourceAudit(agency=a, status="shown", item_count=len(ids), record_ids=tuple(ids))
                      for a, ids in shown.items()),
        **_common(reference))
