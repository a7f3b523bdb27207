"""Plain words for every code a person might otherwise read, and one way of writing dates and times.

Codes (purposes, relationship bases, event types, agencies, plan statuses, ActReason
codes) never reach a page as they are: every template goes through `label()`. A code
nobody has named yet is still made readable ("new_code" → "New code") rather than shown raw.
Dates are written "18 April 2026"; times are UK clock time ("14:05 GMT"/"BST").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from connectors.agencies import DOMAIN_NAMES, DOMAINS
from portal.access.purposes import BREAK_GLASS_REASONS, PURPOSES
from portal.access.roles import RELATIONSHIP_BASES
from portal.agencies import configured_agencies

UK = ZoneInfo("Europe/London")

EVENT_TYPES: dict[str, str] = {
    "emergency": "Emergency attendance",
    "admission": "Hospital admission",
    "appointment": "Appointment",
    "missed_appointment": "Missed appointment",
    "condition": "Health condition",
    "immunisation": "Immunisation",
    "episode": "Episode of care",
    "plan": "Care plan",
    "cp_registration": "Child protection registration",
    "looked_after": "Looked after",
    "social_work": "Social work event",
    "referral": "Referral to social work",
    "case_note": "Case note",
    "attendance": "Low attendance",
    "exclusion": "Exclusion",
    "pastoral": "Pastoral note",
    "concern": "Police concern report",
    "scra_referral": "Referral to the Children's Reporter",
    "hearing": "Children's hearing",
    "order": "Compulsory supervision order",
    "event": "Other event",
}

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

# Words that appear inside agencies' own values (plan types and statuses, settings).
VALUE_WORDS: dict[str, str] = {
    "multi_agency": "Multi-agency",
    "single_agency": "Single-agency",
    "child_protection": "Child protection",
    "looked_after": "Looked after",
    "active": "active",
    "closed": "closed",
    "draft": "draft",
    "under_review": "under review",
    "at_home": "at home",
    "kinship": "kinship care",
    "away_from_home": "away from home",
    "foster": "foster care",
    "residential": "residential care",
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


def readable(code: str) -> str:
    """A code nobody has named, made readable: 'team_around_child' → 'Team around child'."""
    words = code.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


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


def long_date(value: date | datetime | None, missing: str = "not recorded") -> str:
    """'18 April 2026' (a datetime is first put on UK clocks)."""
    if value is None:
        return missing
    if isinstance(value, datetime):
        value = uk_time(value).date()
    return f"{value.day} {value:%B %Y}"


def uk_time(moment: datetime) -> datetime:
    """A moment on UK clocks (GMT or BST); a naive datetime is taken as UTC, as the portal stores them."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(UK)


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


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def plain_value(text: str) -> str:
    """An agency's value in plain words: ISO dates written out, coded words replaced.

    'multi_agency plan (active); next review 2026-10-15' → 'Multi-agency plan (active); next review 15 October 2026'.
    """

    def written_date(match: re.Match[str]) -> str:
        try:
            return long_date(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]

    text = _ISO_DATE.sub(written_date, text)
    text = _CODE.sub(lambda match: VALUE_WORDS.get(match[0]) or match[0].replace("_", " "), text)
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def capitalize_first(text: str) -> str:
    """'no record held' → 'No record held' (the rest untouched, unlike str.capitalize)."""
    return text[:1].upper() + text[1:]
