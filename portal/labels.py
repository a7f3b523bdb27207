"""Plain words for every code a person might otherwise read, and one way of writing dates and times.

Codes (purposes, relationship bases, event types, agencies, plan statuses, ActReason
codes) never reach a page as they are: every template goes through `label()`. A code
nobody has named yet is still made readable ("new_code" → "New code") rather than shown raw.
Dates are written "18 April 2026"; times are UK clock time ("14:05 GMT"/"BST").
"""

from __future__ import annotations

from datetime import datetime

from connectors.agencies import DOMAIN_NAMES, DOMAINS
from portal.access.purposes import BREAK_GLASS_REASONS, PURPOSES
from portal.access.roles import RELATIONSHIP_BASES
from portal.agencies import configured_agencies

# The words for what agencies' records hold live with the record core (which may not import this module);
# they are named here too so that views and templates have one place to look words up.
from portal.record.words import EVENT_TYPES as EVENT_TYPES
from portal.record.words import VALUE_WORDS as VALUE_WORDS
from portal.record.words import long_date as long_date
from portal.record.words import plain_value as plain_value
from portal.record.words import readable as readable
from portal.record.words import uk_time as uk_time

# Purpose-of-use codes from HL7 v3 ActReason, as the audit trail records them beside our own purpose.
ACT_REASONS: dict[str, str] = {
    "COC": "coordination of care",
    "CAREMGT": "care management",
    "TREAT": "treatment",
    "ETREAT": "emergency treatment",
    "BTG": "break the glass",
    "HOPERAT": "healthcare operations",
    "PATRQT": "request from the person",
}

ROLES: dict[str, str] = {
    "practitioner": "Practitioner",
    "lead_professional": "Lead professional",
    "ig_officer": "Information governance officer",
    "admin": "Administrator",
}

_TABLES: dict[str, dict[str, str]] = {
    # Agencies named after their domain keep the domain's short words; any other configured
    # agency ("education_north") gets its display name from the connectors file (see label()).
    "agency": dict(DOMAIN_NAMES),
    "event_type": EVENT_TYPES,
    "purpose": {code: purpose.label for code, purpose in PURPOSES.items()},
    "basis": {**RELATIONSHIP_BASES, "break_glass": "Break-glass (emergency access)", "none": "No relationship"},
    "break_glass_reason": BREAK_GLASS_REASONS,
    "act_reason": ACT_REASONS,
    "value": VALUE_WORDS,
    "role": ROLES,
    "category": {code: words for domain in DOMAINS.values() for code, words in domain.categories.items()},
}


def label(code: str | None, kind: str) -> str:
    """The plain words for `code` in table `kind` (agency, event_type, purpose, basis, …)."""
    if not code:
        return ""
    words = _TABLES[kind].get(code)
    if words is None and kind == "agency" and code in configured_agencies():
        words = configured_agencies().name(code)
    return words or readable(code)


def event_type_codes() -> tuple[str, ...]:
    """Every event type with a fixed place in the timeline key, in the key's order."""
    return tuple(EVENT_TYPES)


def long_datetime(moment: datetime | None, missing: str = "not recorded") -> str:
    """'18 April 2026 at 14:05 BST'."""
    if moment is None:
        return missing
    local = uk_time(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M} {local.tzname()}"


def clock_time(moment: datetime) -> str:
    """'14:05 BST' on UK clocks."""
    local = uk_time(moment)
    return f"{local:%H:%M} {local.tzname()}"


def capitalize_first(text: str) -> str:
    """'no record held' → 'No record held' (the rest untouched, unlike str.capitalize)."""
    return text[:1].upper() + text[1:]
