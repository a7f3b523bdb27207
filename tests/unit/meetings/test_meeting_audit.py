"""The meeting audit entries: who was there as roles and organisations, what was shown as ids; never content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from portal.children.reference import ChildReference
from portal.data.meetings import Attendee, MeetingInfo, Reveal
from portal.meetings import audit_events

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
CHILD = ChildReference(chi="0101011237", purpose="child_protection", user_id=1, forename="Leo", surname="Fraser")


def meeting(**changes: object) -> MeetingInfo:
    values: dict = {
        "id": 7, "public_id": "m-7", "chair_user_id": 1, "meeting_type": "cppm", "family_present": True,
        "child_present": False, "child_reference": "encrypted", "mask_key": "k", "status": "live", "created_at": NOW,
        "started_at": NOW, "expires_at": NOW + timedelta(minutes=15), "ended_at": None,
        "attendees": (Attendee("Health visitor", "NHS Glenmorven", 2),
                      Attendee("Family support worker", "Women's Aid")),
        "selection": None, "shown": (("police", "CR-1"), ("social_work", "SEV-2"), ("police", "CR-3")),
        "reveals": (Reveal("police", "CR-3", "consent", NOW),),
    }
    values.update(changes)
    return MeetingInfo(**values)


def entries(app: Flask, event_type: str):  # type: ignore[no-untyped-def]
    from portal.audit.queries import search_entries
    from portal.extensions import audit_db

    return search_entries(audit_db.engine, event_type=event_type, limit=5)


def test_start_records_type_presence_and_attendees_as_roles_and_organisations(app: Flask) -> None:
    with app.app_context():
        audit_events.record_start(meeting(), CHILD, "team_around_child", ("SW-1 §2.1",))
        (entry,) = entries(app, "meeting_start")
    assert entry.subject_chi == CHILD.chi and entry.purpose_of_use == "COC"
    assert entry.relationship_basis == "team_around_child" and entry.agreements == ["SW-1 §2.1"]
    assert entry.details["attendees"] == [{"role": "Health visitor", "organisation": "NHS Glenmorven"},
                                          {"role": "Family support worker", "organisation": "Women's Aid"}]
    assert entry.details["family_present"] is True and entry.details["meeting_type"] == "cppm"


def test_presence_change_records_before_and_after(app: Flask) -> None:
    with app.app_context():
        audit_events.record_presence(meeting(family_present=False, child_present=True), CHILD, (True, False))
        (entry,) = entries(app, "meeting_presence")
    assert entry.details["before"] == {"family_present": True, "child_present": False}
    assert (entry.details["family_present"], entry.details["child_present"]) == (False, True)


def test_reveal_records_the_item_id_and_coded_reason(app: Flask) -> None:
    with app.app_context():
        audit_events.record_reveal(meeting(), CHILD, "police", "CR-3", "consent", "restricted")
        (entry,) = entries(app, "meeting_reveal")
    assert entry.details["item"] == {"agency": "police", "record_id": "CR-3"}
    assert (entry.details["reason"], entry.details["withheld_because"]) == ("consent", "restricted")
    assert entry.sources[0]["record_ids"] == ["CR-3"]


def test_end_records_what_was_shown_by_id_and_the_reveals(app: Flask) -> None:
    with app.app_context():
        audit_events.record_end(meeting(ended_at=NOW + timedelta(minutes=40)), CHILD, timed_out=False, now=NOW)
        (entry,) = entries(app, "meeting_end")
    assert entry.details["shown"] == {"police": ["CR-1", "CR-3"], "social_work": ["SEV-2"]}
    assert entry.details["reveals"] == [{"agency": "police", "record_id": "CR-3", "reason": "consent"}]
    assert entry.details["ended_at"] == (NOW + timedelta(minutes=40)).isoformat()
    assert {s["agency"]: s["record_ids"] for s in entry.sources} == {"police": ["CR-1", "CR-3"],
                                                                     "social_work": ["SEV-2"]}
    assert "Leo" not in repr(entry) and "Fraser" not in repr(entry)  # the child's name is never recorded
