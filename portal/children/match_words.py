"""How a search result matched, in words a practitioner can act on, and which results look alike.

A score means nothing to a social worker; which details agreed does. Details the
practitioner did not enter are not "not recorded", so they are left out. Children who
share a date of birth and address (twins) or a name and date of birth (namesakes) are
flagged so nobody opens the wrong record.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from portal.record.match import MatchResult

if TYPE_CHECKING:
    from portal.children.forms import SearchRequest
    from portal.children.searching import FoundChild

SEXES = {"male": "Male", "female": "Female", "m": "Male", "f": "Female", "unknown": "Not known"}
CLOSE_MATCH_SCORE = 25.0  # comfortably above the candidate threshold: most details agree

# The matcher's reasons, reworded for the page (surname → last name, and so on).
_REWORDING = (
    ("surname", "last name"),
    ("date of birth exact", "date of birth matches"),
    ("first name spelt similarly", "first name spelt similarly"),
)
_NOT_ENTERED = {
    "forename": "first name not recorded",
    "surname": "surname not recorded",
    "birth_date": "date of birth not recorded",
    "postcode": "postcode not recorded",
}

TWIN_WARNING = "Same date of birth and address as another child in these results: check carefully."
NAMESAKE_WARNING = "Same name and date of birth as another child in these results: check carefully."


def match_strength(match: MatchResult) -> str:
    if match.basis == "identifier":
        return "Exact identifier"
    return "Close match" if match.score >= CLOSE_MATCH_SCORE else "Possible match"


def how_matched(match: MatchResult, searched: SearchRequest, agencies: tuple[str, ...]) -> str:
    """One sentence: what matched, in words."""
    held_by = _joined(list(agencies)) or "the agencies"
    if match.basis == "identifier" and searched.by_chi:
        return f"The CHI number you entered is held by {held_by}."
    if match.basis == "identifier":
        return f"The same identifier is held by {held_by}."
    query = searched.query
    skipped = {text for key, text in _NOT_ENTERED.items() if not getattr(query, key, None)}
    reasons = [_reworded(reason) for reason in match.reasons if reason not in skipped and reason]
    if not reasons:
        return "Found by the details you entered."
    return f"Matched on what you entered: {_joined(reasons)}. Not linked automatically: check before opening."


def mark_lookalikes(children: tuple[FoundChild, ...]) -> tuple[FoundChild, ...]:
    """Each child that shares birth date and postcode, or name and birth date, with another result gets a warning."""
    marked: list[FoundChild] = []
    for child in children:
        others = [other for other in children if other is not child and other.chi != child.chi]
        same_born = [o for o in others if child.birth_date and o.birth_date == child.birth_date]
        if any(child.postcode and _postcode(o.postcode) == _postcode(child.postcode) for o in same_born):
            marked.append(replace(child, check_carefully=TWIN_WARNING))
        elif any(o.name.casefold() == child.name.casefold() for o in same_born):
            marked.append(replace(child, check_carefully=NAMESAKE_WARNING))
        else:
            marked.append(child)
    return tuple(marked)


def _postcode(value: str | None) -> str:
    return (value or "").replace(" ", "").upper()


def _reworded(reason: str) -> str:
    for old, new in _REWORDING:
        reason = reason.replace(old, new)
    return reason


def _joined(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
