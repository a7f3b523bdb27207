"""What the first screen of a child's page answers: is this child safe, who is involved, is the picture whole?

Pure functions over an assembled record: statuses and alerts (child protection
registration, looked after, orders, the police flag, reviews already overdue against
the portal's today), the people involved, and which agencies' answers are missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from connectors.models import SourceState
from portal.children.assemble import ChildRecord
from portal.labels import label, long_date, plain_value
from portal.record.summarise import SummaryField

# Fields that answer "is this child safe?", in the order a lead professional reads them.
STATUS_FIELDS = ("cp_register", "looked_after", "scra_order", "police_cp_flag", "police_concerns_recent",
                 "childs_plan", "scra_status", "health_alerts", "do_not_inform")
# Fields that answer "who is involved?".
PEOPLE_FIELDS = ("lead_professional", "social_worker", "named_person", "health_visitor", "school", "gp_practice",
                 "family_contacts")
IDENTITY_FIELDS = ("name", "birth_date", "chi")
# A status is raised (shown as an alert) when a value is present for these fields.
RAISED = {"cp_register": "Child protection register", "looked_after": "Looked after",
          "scra_order": "Compulsory supervision order", "police_cp_flag": "Police child protection flag"}
_NONE_VALUES = {"none", "no", "not flagged", "not registered", "false"}
_REVIEW = re.compile(r"(?:next )?review(?: date)?:?\s+(?:on\s+)?(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


@dataclass(frozen=True)
class Status:
    """One line of the safety panel: a field's values in plain words, whether it is raised, and overdue reviews."""

    key: str
    label: str
    alert: str  # the short words of the alert when raised ("Child protection register")
    values: tuple[str, ...]
    raised: bool
    overdue: tuple[str, ...]  # "Review was due 15 October 2026 (47 days ago)"
    gaps: tuple[str, ...]


def overdue_reviews(text: str, today: date) -> list[str]:
    """Every review date in `text` that is already past, said as such."""
    found: list[str] = []
    for match in _REVIEW.finditer(text):
        try:
            due = date.fromisoformat(match[1])
        except ValueError:
            continue
        if due < today:
            days = (today - due).days
            found.append(f"Review overdue: was due {long_date(due)} ({days} day{'s' if days != 1 else ''} ago)")
    return found


def statuses(record: ChildRecord, today: date) -> list[Status]:
    by_key = {f.key: f for f in record.summary.fields}
    return [_status(by_key[key], today) for key in STATUS_FIELDS if key in by_key]


def _status(field: SummaryField, today: date) -> Status:
    raw = [v.value for v in field.values]
    shown = tuple(dict.fromkeys(plain_value(value) for value in raw))
    present = [v for v in raw if v.strip().casefold() not in _NONE_VALUES]
    overdue = tuple(dict.fromkeys(note for value in raw for note in overdue_reviews(value, today)))
    raised = field.key in RAISED and bool(present)
    return Status(field.key, field.label, RAISED.get(field.key, field.label), shown, raised, overdue, field.gaps)


def people(record: ChildRecord) -> list[SummaryField]:
    by_key = {f.key: f for f in record.summary.fields}
    return [by_key[key] for key in PEOPLE_FIELDS if key in by_key]


def other_fields(record: ChildRecord) -> list[SummaryField]:
    """The rest of the Key Information Summary, below the first screen."""
    placed = set(STATUS_FIELDS) | set(PEOPLE_FIELDS) | set(IDENTITY_FIELDS)
    return [f for f in record.summary.fields if f.key not in placed]


def identity_fields(record: ChildRecord) -> list[SummaryField]:
    by_key = {f.key: f for f in record.summary.fields}
    return [by_key[key] for key in IDENTITY_FIELDS if key in by_key]


def missing_answers(record: ChildRecord) -> dict[str, str]:
    """Per agency, why its part of the picture may be missing: no answer, a failure, or withheld categories."""
    gaps: dict[str, str] = {}
    for source in record.sources:
        name = source.display_name or label(source.agency, "agency")
        state = source.status.state
        withheld = record.decision.withheld.get(source.agency, ())
        if state == SourceState.TIMED_OUT:
            gaps[source.agency] = f"{name} did not answer in time, so its events are missing"
        elif state == SourceState.FAILED:
            gaps[source.agency] = f"{name} could not be read, so its events are missing"
        elif state == SourceState.WRONG_PERSON:  # whatever it holds on this child, none of it came
            gaps[source.agency] = f"{name} answered only with another person's records, so its events are missing"
        elif state == SourceState.WITHHELD:
            gaps[source.agency] = f"{name} withheld its information under the sharing agreement"
        elif withheld:
            kinds = _joined([label(category, "category") for category, _ in withheld])
            gaps[source.agency] = f"{name} withheld some information under the sharing agreement ({kinds})"
    return gaps


def _joined(parts: Sequence[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
