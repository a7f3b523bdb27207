"""Identity: CHI and SCN validation, and sorting an agency's people into linked / candidate / rejected.

Pure functions over `connectors.models`. Identifiers are always strings: roughly
three CHIs in ten start with a zero (DOMAIN.md §0). Validation only catches
typing errors; it never proves who a child is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from connectors.models import PersonQuery, PersonRecord
from portal.record.match import (
    MatchResult,
    MatchThresholds,
    ScoredPerson,
    score_candidate,
)

__all__ = [
    "ChiCheck",
    "Classification",
    "MatchResult",
    "MatchThresholds",
    "ScoredPerson",
    "classify_people",
    "mod10_check_digit",
    "mod11_check_digit",
    "score_candidate",
    "sex_from_chi",
    "validate_chi",
    "validate_scn",
]

_MOD11_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SCN_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class ChiCheck:
    """The outcome of checking a typed CHI (or SCN): the normalised value, or why it was refused."""

    value: str | None
    reason: str | None = None
    scheme: str | None = None  # "mod11" | "mod10" for a valid CHI

    @property
    def valid(self) -> bool:
        return self.value is not None


def mod11_check_digit(stem: str) -> int | None:
    """Mod-11 check digit for a 9-digit CHI stem, or None where no Mod-11 number can exist."""
    total = sum(int(digit) * weight for digit, weight in zip(stem, _MOD11_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def mod10_check_digit(stem: str) -> int:
    """Luhn check digit for a 9-digit CHI stem (positions 1, 3, 5, 7, 9 doubled)."""
    total = 0
    for position, char in enumerate(stem):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def _is_ddmmyy(digits: str) -> bool:
    # The CHI carries no century, so the date is valid if it exists in either century.
    day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def validate_chi(raw: str | None) -> ChiCheck:
    """Check a typed CHI number; spaces are allowed, the result is a 10-character string.

    Accepts a check digit valid under Mod-11 OR Mod-10 (Luhn), because new CHIs are
    issued with Luhn digits once a birth date's Mod-11 numbers run out.
    """
    digits = (raw or "").replace(" ", "").strip()
    if not digits:
        return ChiCheck(None, "Enter a CHI number")
    if not digits.isascii() or not digits.isdigit():
        return ChiCheck(None, "CHI number contains characters other than digits")
    if len(digits) != 10:
        return ChiCheck(None, "CHI number must be 10 digits")
    if not _is_ddmmyy(digits[:6]):
        return ChiCheck(None, "first six digits are not a valid date of birth (DDMMYY)")
    check = int(digits[9])
    if mod11_check_digit(digits[:9]) == check:
        return ChiCheck(digits, scheme="mod11")
    if mod10_check_digit(digits[:9]) == check:
        return ChiCheck(digits, scheme="mod10")
    return ChiCheck(None, "CHI number check digit does not match")


def sex_from_chi(chi: str) -> str:
    """Sex as registered when the CHI was issued: odd 9th digit male, even female."""
    return "male" if int(chi.replace(" ", "")[8]) % 2 else "female"


def validate_scn(raw: str | None) -> ChiCheck:
    """Check a Scottish Candidate Number: 8 digits and a Mod-11 check digit (weights 3 2 7 6 5 4 3 2)."""
    digits = (raw or "").replace(" ", "").strip()
    if not digits:
        return ChiCheck(None, "Enter a Scottish Candidate Number")
    if not digits.isascii() or not digits.isdigit():
        return ChiCheck(None, "Scottish Candidate Number contains characters other than digits")
    if len(digits) != 9:
        return ChiCheck(None, "Scottish Candidate Number must be 9 digits")
    total = sum(int(digit) * weight for digit, weight in zip(digits[:8], _SCN_WEIGHTS, strict=True))
    remainder = total % 11
    expected = 0 if remainder == 0 else 11 - remainder
    if expected == 10 or expected != int(digits[8]):
        return ChiCheck(None, "Scottish Candidate Number check digit does not match")
    return ChiCheck(digits, scheme="mod11")


class Classification(NamedTuple):
    """One agency's people sorted by how sure we are they are the child asked about."""

    linked: list[ScoredPerson]
    candidates: list[ScoredPerson]
    rejected: list[ScoredPerson]


def classify_people(
    anchor_chi: str | None,
    query: PersonQuery,
    people: list[PersonRecord] | tuple[PersonRecord, ...],
    *,
    confirmed: frozenset[tuple[str, str]] = frozenset(),
    thresholds: MatchThresholds | None = None,
    references: Sequence[PersonRecord] = (),
) -> Classification:
    """Sort people into linked (exact identifier or practitioner-confirmed), candidates and rejected.

    `confirmed` holds (agency, source_id) pairs the practitioner confirmed this session;
    a confirmation never overrides a CHI that contradicts the anchor. `references` are
    other agencies' records already linked to this child (e.g. one holding a previous
    surname): a demographic score is the best against the query or any of them.
    """
    thresholds = thresholds or MatchThresholds()
    anchored = query if anchor_chi is None or query.chi == anchor_chi else _with_chi(query, anchor_chi)
    linked: list[ScoredPerson] = []
    candidates: list[ScoredPerson] = []
    rejected: list[ScoredPerson] = []
    for person in people:
        match = _best_match(anchored, references, person, thresholds)
        if match.decision != "reject" and (person.agency, person.source_id) in confirmed:
            match = match.confirmed()
        scored = ScoredPerson(person, match)
        {"link": linked, "candidate": candidates, "reject": rejected}[match.decision].append(scored)
    candidates.sort(key=lambda scored: scored.match.score, reverse=True)
    return Classification(linked, candidates, rejected)


def _best_match(
    query: PersonQuery, references: Sequence[PersonRecord], person: PersonRecord, thresholds: MatchThresholds
) -> MatchResult:
    tries = [score_candidate(query, person, thresholds)]
    tries += [score_candidate(reference, person, thresholds) for reference in references]
    by_identifier = [m for m in tries if m.basis == "identifier"]
    # A contradicting identifier anywhere outweighs every agreement; a shared one links.
    for decision in ("reject", "link"):
        for match in by_identifier:
            if match.decision == decision:
                return match
    order = {"link": 0, "candidate": 1, "reject": 2}
    return min(tries, key=lambda m: (order[m.decision], -m.score))


def _with_chi(query: PersonQuery, chi: str) -> PersonQuery:
    return PersonQuery(
        chi=chi,
        forename=query.forename,
        surname=query.surname,
        birth_date=query.birth_date,
        postcode=query.postcode,
        sex=query.sex,
    )
