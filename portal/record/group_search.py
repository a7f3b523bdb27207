"""Group the people a search found across agencies into children.

Records sharing a CHI are one child. A record without a CHI is never merged: it is
offered as a scored candidate on each child it may be, or stands as its own
unconfirmed child. Twins and namesakes have different CHIs, so stay apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connectors.models import PersonQuery, PersonRecord
from portal.record.match import MatchResult, MatchThresholds, ScoredPerson, score_candidate


@dataclass(frozen=True)
class ChildMatch:
    """One child a search found: the records that are them by identifier, and possible others."""

    chi: str | None
    records: tuple[PersonRecord, ...]
    match: MatchResult  # how this child answers the search ("CHI matches", or a demographic score)
    candidates: tuple[ScoredPerson, ...] = ()

    @property
    def agencies(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(record.agency for record in self.records))


def group_children(
    query: PersonQuery, people: Iterable[PersonRecord], thresholds: MatchThresholds
) -> tuple[ChildMatch, ...]:
    """Children in the order a practitioner should read them: identifier links first, then by score."""
    by_chi: dict[str, list[PersonRecord]] = {}
    without_chi: list[PersonRecord] = []
    for person in people:
        if person.chi:
            by_chi.setdefault(person.chi.replace(" ", ""), []).append(person)
        else:
            without_chi.append(person)

    children: list[ChildMatch] = []
    for chi, records in by_chi.items():
        match = _best_match(query, records, thresholds)
        if match.decision != "reject":
            children.append(ChildMatch(chi, tuple(records), match))

    unattached: list[PersonRecord] = []
    for person in without_chi:
        attached = False
        for index, child in enumerate(children):
            match = _best_match(person, child.records, thresholds)
            if match.decision == "link":  # e.g. the same SCN
                children[index] = ChildMatch(child.chi, (*child.records, person), child.match, child.candidates)
                attached = True
            elif match.decision == "candidate":
                scored = ScoredPerson(person, match)
                children[index] = ChildMatch(child.chi, child.records, child.match, (*child.candidates, scored))
                attached = True
        if not attached:
            unattached.append(person)

    for person in unattached:
        match = score_candidate(query, person, thresholds)
        if match.decision != "reject":
            children.append(ChildMatch(None, (person,), match))

    children.sort(key=lambda child: (child.match.decision != "link", -child.match.score))
    return tuple(
        ChildMatch(c.chi, c.records, c.match, tuple(sorted(c.candidates, key=lambda s: -s.match.score)))
        for c in children
    )


def _best_match(
    who: PersonQuery | PersonRecord, records: Iterable[PersonRecord], thresholds: MatchThresholds
) -> MatchResult:
    results = [score_candidate(who, record, thresholds) for record in records]
    order = {"link": 0, "candidate": 1, "reject": 2}
    return min(results, key=lambda result: (order[result.decision], -result.score))
