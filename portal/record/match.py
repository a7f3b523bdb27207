"""Demographic matching with an explained score (Fellegi–Sunter style).

Each field (surname, first name, date of birth, sex, postcode) is compared into an
agreement level; each level carries m (how often true matches agree this way) and
u (how often unrelated children do), and adds log2(m/u) to the score. Missing
fields add nothing. The reasons are written for the practitioner who must decide.

Only an exact identifier (CHI, or an SCN both sides hold) links automatically.
Demographics make a *candidate* at best: twins and namesakes are never merged.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import jellyfish

from connectors.models import PersonQuery, PersonRecord

Decision = Literal["link", "candidate", "reject"]

# (m, u) per field and agreement level. u for a child's date of birth is about one
# day in eighteen years; postcodes are shared by a few dozen households.
_LEVELS: dict[tuple[str, str], tuple[float, float]] = {
    ("surname", "exact"): (0.93, 0.01),
    ("surname", "variant"): (0.04, 0.002),
    ("surname", "similar"): (0.02, 0.008),
    ("surname", "differs"): (0.01, 0.98),
    ("forename", "exact"): (0.88, 0.01),
    ("forename", "variant"): (0.08, 0.002),
    ("forename", "similar"): (0.03, 0.02),
    ("forename", "differs"): (0.002, 0.968),
    ("birth_date", "exact"): (0.97, 0.00015),
    ("birth_date", "close"): (0.02, 0.003),
    ("birth_date", "differs"): (0.01, 0.997),
    ("sex", "exact"): (0.98, 0.5),
    ("sex", "differs"): (0.02, 0.5),
    ("postcode", "exact"): (0.8, 0.001),
    ("postcode", "district"): (0.1, 0.02),
    ("postcode", "differs"): (0.1, 0.979),
}

# Given names that are the same person's name in everyday use. Small on purpose:
# a practitioner confirms every demographic match anyway.
_NAME_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "katherine catherine kathryn katharine kate katie katy cathy kathy kat",
        "elizabeth liz lizzie beth betty eliza elspeth libby",
        "margaret maggie meg peggy",
        "alexander alex sandy alasdair alastair alistair ali",
        "alexandra alex lexie sandra",
        "james jim jimmy jamie hamish",
        "john jack johnny ian iain",
        "william will bill billy liam",
        "robert rob bob bobby robbie rab",
        "thomas tom tommy",
        "christopher chris",
        "jennifer jenny jen",
        "rebecca becky becca",
        "daniel dan danny",
        "michael mike mikey",
        "joseph joe joey",
        "samuel sam sammy",
        "samantha sam",
        "charlotte charlie lottie",
        "charles charlie chick",
        "abigail abbie abby",
        "isabella isabel isobel izzy bella ishbel",
        "mary molly mhairi",
        "eleanor ellie nell",
    )
)


@dataclass(frozen=True)
class MatchThresholds:
    """Configurable cut-offs. Scores are sums of log2 weights (full agreement is about 37)."""

    candidate: float = 18.0
    similar_name: float = 0.88  # Jaro–Winkler at or above this counts as a similar spelling


@dataclass(frozen=True)
class MatchResult:
    """A score, what it means, and the reasons a practitioner reads."""

    score: float
    decision: Decision
    reasons: tuple[str, ...]
    basis: Literal["identifier", "demographic", "confirmed"] = "demographic"

    @property
    def summary(self) -> str:
        return ", ".join(self.reasons)

    def confirmed(self) -> MatchResult:
        """The same match after a practitioner confirmed it for this session."""
        return replace(self, decision="link", basis="confirmed", reasons=(*self.reasons, "confirmed by practitioner"))


@dataclass(frozen=True)
class ScoredPerson:
    """One agency's person record with how well it matches the child asked about."""

    person: PersonRecord
    match: MatchResult


@dataclass(frozen=True)
class _Subject:
    identifiers: dict[str, str]
    forename: str | None
    surname: str | None
    previous_surnames: tuple[str, ...]
    birth_date: date | None
    sex: str | None
    postcode: str | None


def _subject(who: PersonQuery | PersonRecord) -> _Subject:
    if isinstance(who, PersonRecord):
        identifiers = {kind: value for kind, value in who.identifiers if value}
        previous = who.previous_surnames
    else:
        identifiers = {"chi": who.chi} if who.chi else {}
        previous = ()
    return _Subject(identifiers, who.forename, who.surname, previous, who.birth_date, who.sex, who.postcode)


def score_candidate(
    query: PersonQuery | PersonRecord, record: PersonRecord, thresholds: MatchThresholds | None = None
) -> MatchResult:
    """Score how likely `record` is the child `query` describes, with reasons.

    Same CHI (or same SCN) links; a CHI or SCN that differs rejects ("CHI differs");
    otherwise the demographic score decides between candidate and reject.
    """
    thresholds = thresholds or MatchThresholds()
    left, right = _subject(query), _subject(record)
    identity = _compare_identifiers(left, right)
    levels, reasons = _compare_demographics(left, right, thresholds)
    score = round(sum(_weight(field, level) for field, level in levels.items()), 1)
    if identity is not None:
        linked, reason = identity
        return MatchResult(score, linked, (reason, *reasons), basis="identifier")
    twin_reason = _looks_like_sibling(levels)
    if twin_reason:
        return MatchResult(score, "reject", (*reasons, twin_reason))
    decision: Decision = "candidate" if score >= thresholds.candidate else "reject"
    return MatchResult(score, decision, tuple(reasons))


def _weight(field: str, level: str) -> float:
    m, u = _LEVELS[(field, level)]
    return math.log2(m / u)


def _compare_identifiers(left: _Subject, right: _Subject) -> tuple[Decision, str] | None:
    for kind, label in (("chi", "CHI"), ("scn", "SCN")):
        ours, theirs = left.identifiers.get(kind), right.identifiers.get(kind)
        if ours and theirs:
            same = ours.replace(" ", "") == theirs.replace(" ", "")
            return ("link", f"{label} matches") if same else ("reject", f"{label} differs")
    return None


def _looks_like_sibling(levels: dict[str, str]) -> str | None:
    # Twins share surname, birth date and address, which breaks the independence the
    # weights assume; a clearly different first name then means a different child.
    household = levels.get("surname") in {"exact", "variant"} and levels.get("birth_date") == "exact"
    if household and levels.get("forename") == "differs":
        return "same surname and date of birth but a different first name: may be a twin"
    return None


def _compare_demographics(
    left: _Subject, right: _Subject, thresholds: MatchThresholds
) -> tuple[dict[str, str], list[str]]:
    levels: dict[str, str] = {}
    reasons: list[str] = []
    comparisons: tuple[tuple[str, Callable[[], tuple[str | None, str]]], ...] = (
        ("surname", lambda: _compare_surname(left, right, thresholds)),
        ("forename", lambda: _compare_forename(left.forename, right.forename, thresholds)),
        ("birth_date", lambda: _compare_birth_date(left.birth_date, right.birth_date)),
        ("sex", lambda: _compare_sex(left.sex, right.sex)),
        ("postcode", lambda: _compare_postcode(left.postcode, right.postcode)),
    )
    for field, compare in comparisons:
        level, reason = compare()
        if level is not None:
            levels[field] = level
        if reason:
            reasons.append(reason)
    return levels, reasons


def _fold(name: str) -> str:
    """Lower-case, strip accents and punctuation, and read Mc as Mac."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    plain = re.sub(r"[^a-z\- ]", "", plain).strip()
    return re.sub(r"(^|[\- ])mc", r"\1mac", plain)


def _squash(name: str) -> str:
    return re.sub(r"[\- ]", "", _fold(name))


def _similar(a: str, b: str, thresholds: MatchThresholds) -> bool:
    if jellyfish.jaro_winkler_similarity(a, b) >= thresholds.similar_name:
        return True
    return jellyfish.metaphone(a) == jellyfish.metaphone(b) or jellyfish.nysiis(a) == jellyfish.nysiis(b)


def _compare_surname(left: _Subject, right: _Subject, thresholds: MatchThresholds) -> tuple[str | None, str]:
    if not left.surname or not right.surname:
        return None, "surname not recorded"
    ours, theirs = _squash(left.surname), _squash(right.surname)
    shown = f"{left.surname}/{right.surname}"
    if ours == theirs:
        same_spelling = left.surname.casefold() == right.surname.casefold()
        return "exact", "surname matches" if same_spelling else f"surname matches: {shown}"
    our_parts = set(re.split(r"[\- ]+", _fold(left.surname)))
    their_parts = set(re.split(r"[\- ]+", _fold(right.surname)))
    if our_parts & their_parts:
        return "variant", f"surname shares a part: {shown}"
    changed = _previous_surname_match(left, right)
    if changed:
        return "variant", f"previous surname matches: {changed}"
    if _similar(ours, theirs, thresholds):
        return "similar", f"surname similar: {shown}"
    return "differs", f"surname differs: {shown}"


def _previous_surname_match(left: _Subject, right: _Subject) -> str | None:
    """Where one side's previous surname is the other's surname (or previous one), shown as 'Old (now New)'."""

    def shown(subject: _Subject, name: str) -> str:
        return name if name == subject.surname else f"{name} (now {subject.surname})"

    for our_name in (left.surname or "", *left.previous_surnames):
        for their_name in (right.surname or "", *right.previous_surnames):
            if our_name and their_name and _squash(our_name) == _squash(their_name):
                return f"{shown(left, our_name)}/{shown(right, their_name)}"
    return None


def _name_variants(name: str) -> frozenset[str]:
    return frozenset().union(*(group for group in _NAME_GROUPS if name in group))


def _compare_forename(ours: str | None, theirs: str | None, thresholds: MatchThresholds) -> tuple[str | None, str]:
    if not ours or not theirs:
        return None, "first name not recorded"
    # Compare first given names only: "Kate Louise" and "Kate" are the same first name.
    our_first, their_first = _fold(ours).split()[0:1], _fold(theirs).split()[0:1]
    a, b = (our_first or [""])[0].replace("-", ""), (their_first or [""])[0].replace("-", "")
    shown = f"{ours}/{theirs}"
    if a == b:
        return "exact", "first name matches"
    if b in _name_variants(a):
        return "variant", f"first name similar: {shown}"
    if _similar(a, b, thresholds):
        return "similar", f"first name spelt similarly: {shown}"
    return "differs", f"first name differs: {shown}"


def _compare_birth_date(ours: date | None, theirs: date | None) -> tuple[str | None, str]:
    if ours is None or theirs is None:
        return None, "date of birth not recorded"
    if ours == theirs:
        return "exact", "date of birth exact"
    same_parts = (ours.day == theirs.day) + (ours.month == theirs.month) + (ours.year == theirs.year)
    transposed = ours.year == theirs.year and ours.day == theirs.month and ours.month == theirs.day
    if same_parts == 2 or transposed:
        return "close", "date of birth nearly matches (one part differs)"
    return "differs", "date of birth differs"


def _compare_sex(ours: str | None, theirs: str | None) -> tuple[str | None, str]:
    if not ours or not theirs:
        return None, ""
    if ours.casefold() == theirs.casefold():
        return "exact", "sex matches"
    return "differs", "sex differs"


def _compare_postcode(ours: str | None, theirs: str | None) -> tuple[str | None, str]:
    if not ours or not theirs:
        return None, "postcode not recorded"
    a, b = ours.replace(" ", "").upper(), theirs.replace(" ", "").upper()
    if a == b:
        return "exact", "postcode matches"
    # The outward code is everything but the last three characters (EH6 5AB → EH6).
    if len(a) > 3 and a[:-3] == b[:-3]:
        return "district", "postcode in the same district"
    return "differs", "postcode differs"


def lookup_surnames(surname: str, others: Iterable[str] = (), *, limit: int = 4) -> list[str]:
    """Surnames worth asking an agency about: the one given, Mac/Mc and hyphenation variants, then `others`.

    Agencies look names up exactly, so "McKenzie", "Reid Morrison" or a previous surname
    would otherwise never come back to be scored. Capped, because each is one more request.
    """
    names = [name.strip() for name in (surname, *others) if name and name.strip()]
    # Names actually recorded come before spellings we guess at.
    wanted = names + [variant for name in names for variant in _spelling_variants(name)]
    chosen: dict[str, str] = {}
    for name in wanted:
        chosen.setdefault(name.casefold(), name)
    return list(chosen.values())[:limit]


def _spelling_variants(name: str) -> list[str]:
    variants: list[str] = []
    lowered = name.casefold()
    if lowered.startswith("mac") and len(name) >= 7:
        variants.append("Mc" + name[3:])
    elif lowered.startswith("mc") and len(name) >= 6:
        variants.append("Mac" + name[2:])
    parts = [part for part in re.split(r"[\-\s]+", name.strip()) if part]
    if len(parts) > 1:
        joiner = " " if "-" in name else "-"
        variants += [joiner.join(parts), *reversed(parts)]
    return variants
