"""Words for the codes the trail records: reasons a flow stopped, purposes, agencies and roles."""

from __future__ import annotations

from portal.access.purposes import PURPOSES
from portal.agencies import agency_name
from portal.data.models import ROLE_LABELS

# In the order people read them: legal and policy stops first, then technical ones, then matching.
REASON_LABELS: dict[str, str] = {
    "refused": "Refused: no relationship or purpose allowed",
    "break_glass": "Break-glass used (emergency access)",
    "category_not_agreed": "Category not in any agreement for this purpose",
    "restricted_withheld": "Restricted (R/V) items withheld",
    "sealed_notice": "Sealed items: notice only",
    "timed_out": "Source timed out",
    "failed": "Source failed",
    "not_matched": "Child not matched at the source (no CHI or candidate not confirmed)",
    "wrong_person_dropped": "Records about another person dropped",
}
# A short, stable colour class per reason (the stylesheet defines one per reason; colour is never the only cue).
REASON_CLASSES: dict[str, int] = {reason: index for index, reason in enumerate(REASON_LABELS)}
NO_SOURCE = "Before any source (refusal or break-glass)"


def reason_label(reason: object) -> str:
    return REASON_LABELS.get(str(reason), str(reason))


def purpose_label(code: object) -> str:
    if code is None:
        return "Not recorded"
    purpose = PURPOSES.get(str(code))
    return purpose.label if purpose else str(code)


def agency_label(agency: object) -> str:
    if agency is None:
        return NO_SOURCE
    return agency_name(str(agency))


def role_label(role: object) -> str:
    return ROLE_LABELS.get(str(role), str(role)) if role else "Not recorded"


def organisation_label(organisation: object) -> str:
    return str(organisation) if organisation else "Not recorded"


def p95_label(edge: object) -> str:
    """A p95 read from the answer-time histogram: the upper edge of its band, so "at most" that."""
    return "Not recorded" if edge is None else f"≤ {edge} ms"


LABELLERS = {"agency": agency_label, "purpose": purpose_label, "reason": reason_label, "role": role_label,
             "organisation": organisation_label, "p95": p95_label}


def labelled(rows: list[tuple[object, ...]], kinds: list[str | None]) -> list[list[object]]:
    """Rows with their codes put into words, column by column (`None` leaves a column as it is)."""
    return [[LABELLERS[kind](value) if kind else ("Not recorded" if value is None else value)
             for kind, value in zip(kinds, row, strict=True)] for row in rows]
