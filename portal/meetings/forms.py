"""The meeting forms: what the chair typed, checked, with GOV.UK-style messages keyed by field id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from portal.access.purposes import PURPOSES, practitioner_purposes
from portal.data.meetings import Attendee
from portal.data.users import SignedInUser
from portal.inputs import row_id

MEETING_TYPES: dict[str, str] = {
    "tac": "Team Around the Child meeting",
    "plan_review": "Child's plan review",
    "cppm": "Child protection planning meeting",
    "other": "Other meeting",
}
REVEAL_REASONS: dict[str, str] = {
    "consent": "The person the information is about has agreed to it being shared",
    "already_known": "The family already know this information",
    "needed_for_plan": "The family need it to take part in the child's plan",
    "reasonable": "Reasonable to disclose without consent (DPA 2018 Schedule 2 Part 3)",
}
OTHER_ATTENDEE_ROWS = 3
TEXT_LIMIT = 120


@dataclass
class MeetingInput:
    meeting_type: str = ""
    purpose: str = ""
    family_present: bool = False
    child_present: bool = False
    attendee_ids: list[int] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=lambda: [("", "")] * OTHER_ATTENDEE_ROWS)
    action: str = "prepare"

    @classmethod
    def from_form(cls, form: MultiDict[str, str]) -> MeetingInput:
        # An id the form could not have offered becomes -1, which no colleague has, so validate_meeting says so
        # (int() alone reads "٣" as 3 and fails on "²").
        ids = [-1 if (i := row_id(v)) is None else i for v in form.getlist("attendee")]
        others = [(form.get(f"other_role_{n}", "").strip()[:TEXT_LIMIT],
                   form.get(f"other_org_{n}", "").strip()[:TEXT_LIMIT]) for n in range(1, OTHER_ATTENDEE_ROWS + 1)]
        return cls(form.get("meeting_type", ""), form.get("purpose", ""), form.get("family_present") == "yes",
                   form.get("child_present") == "yes", ids, others,
                   "start" if form.get("action") == "start" else "prepare")


def validate_meeting(entered: MeetingInput, colleagues: Iterable[SignedInUser]
                     ) -> tuple[list[Attendee], dict[str, str]]:
    """The attendees as roles and organisations (never names), and any errors by field id."""
    errors: dict[str, str] = {}
    if entered.meeting_type not in MEETING_TYPES:
        errors["meeting_type"] = "Select the type of meeting"
    if entered.purpose not in PURPOSES or not PURPOSES[entered.purpose].practitioner_route:
        errors["purpose"] = "Select why the meeting needs this child's information"
    known = {c.id: c for c in colleagues}
    attendees = [Attendee(known[i].role_label, f"{known[i].organisation}: {known[i].team}", i)
                 for i in entered.attendee_ids if i in known]
    if len(attendees) != len(entered.attendee_ids):
        errors["attendee"] = "Select attendees from the list"
    for n, (role, organisation) in enumerate(entered.others, start=1):
        if role and not organisation:
            errors[f"other_org_{n}"] = f"Enter the organisation of other attendee {n}"
        elif organisation and not role:
            errors[f"other_role_{n}"] = f"Enter the role of other attendee {n}"
        elif role:
            attendees.append(Attendee(role, organisation))
    return attendees, errors


def purpose_choices() -> list[tuple[str, str]]:
    return [(p.code, p.label) for p in practitioner_purposes()]


def parse_item(value: str) -> tuple[str, str] | None:
    """An "agency:record id" form value as a key, or None when it is not one."""
    agency, _, record_id = value.partition(":")
    return (agency, record_id) if agency and record_id and len(value) <= 300 else None
