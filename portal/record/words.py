"""Plain words for what agencies' records hold: event types, coded values, dates written out.

The record core writes these into what it builds (the timeline's key and marker labels);
`portal.labels` names them too, beside the portal's own codes (purposes, roles, bases), so
views and templates have one place to look words up.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

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

def readable(code: str) -> str:
    """A code nobody has named, made readable: 'team_around_child' → 'Team around child'."""
    words = code.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


# English month names, as strftime's %B gives them in the C locale (the portal never sets another), without
# strftime's cost: a chronology page writes a hundred dates or more.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def long_date(value: date | datetime | None, missing: str = "not recorded") -> str:
    """'18 April 2026' (a datetime is first put on UK clocks)."""
    if value is None:
        return missing
    if isinstance(value, datetime):
        value = uk_time(value).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def uk_time(moment: datetime) -> datetime:
    """A moment on UK clocks (GMT or BST); a naive datetime is taken as UTC, as the portal stores them."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(UK)


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

    if "-" in text:  # both patterns need their character: most values have neither, and skip the regexes
        text = _ISO_DATE.sub(written_date, text)
    if "_" in text:
        text = _CODE.sub(lambda match: VALUE_WORDS.get(match[0]) or match[0].replace("_", " "), text)
    return text[:1].upper() + text[1:] if text[:1].islower() else text
