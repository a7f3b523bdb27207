"""Run a search across every agency, audit it, and shape the results for the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app

from connectors.models import PersonRecord, SourceStatus
from portal.agencies import configured_agencies, header_rank
from portal.children import audit_events
from portal.children.forms import SearchRequest
from portal.children.match_words import SEXES, how_matched, mark_lookalikes, match_strength
from portal.children.reference import ChildReference
from portal.record.gather import ChildMatch, search
from portal.record.match import MatchResult
from portal.sources import executor, registry


@dataclass(frozen=True)
class FoundCandidate:
    """A record without this child's identifier that may be them, and how close a match in words."""

    person: PersonRecord
    match: MatchResult
    strength: str


@dataclass(frozen=True)
class FoundChild:
    """One child on the results page: who, where found, how sure, and the link to open them."""

    chi: str | None
    name: str
    birth_date: date | None
    postcode: str | None
    sex: str
    agencies: tuple[str, ...]
    how_found: str  # in words: which details matched, never a bare score
    strength: str  # "Exact identifier", "Close match" or "Possible match"
    by_identifier: bool
    candidates: tuple[FoundCandidate, ...]
    link: str | None
    check_carefully: str = ""  # set when another child in the results shares birth date and address or name


@dataclass(frozen=True)
class SearchResults:
    children: tuple[FoundChild, ...]
    statuses: tuple[SourceStatus, ...]
    agency_names: dict[str, str]


def run_search(searched: SearchRequest, user_id: int, link: Callable[[ChildReference], str]) -> SearchResults:
    connectors = registry().connectors  # once per search: who is asked, and their names
    outcome = search(connectors, searched.query, current_app.config["FEDERATION_DEADLINE_S"], executor=executor())
    audit_events.record_search(searched.purpose, searched.by_chi, outcome)
    names = {connector.agency: connector.display_name for connector in connectors}
    children = tuple(_found(child, searched, user_id, link, names) for child in outcome.children)
    return SearchResults(mark_lookalikes(children), outcome.statuses, names)


def _found(child: ChildMatch, searched: SearchRequest, user_id: int, link: Callable[[ChildReference], str],
           names: dict[str, str]) -> FoundChild:
    best = _best_record(child.records)
    reference = None
    if child.chi:
        reference = ChildReference(
            chi=child.chi, purpose=searched.purpose, user_id=user_id,
            forename=best.forename, surname=best.surname, birth_date=best.birth_date, postcode=best.postcode,
        )
    return FoundChild(
        chi=child.chi,
        name=" ".join(p for p in (best.forename, best.surname) if p) or "Name not recorded",
        birth_date=best.birth_date,
        postcode=best.postcode,
        sex=SEXES.get((best.sex or "").lower(), "Not recorded"),
        agencies=tuple(names.get(a, a) for a in child.agencies),
        how_found=how_matched(child.match, searched, tuple(names.get(a, a) for a in child.agencies)),
        strength=match_strength(child.match),
        by_identifier=child.match.basis == "identifier",
        candidates=tuple(FoundCandidate(c.person, c.match, match_strength(c.match)) for c in child.candidates),
        link=link(reference) if reference else None,
    )


def _best_record(records: tuple[PersonRecord, ...]) -> PersonRecord:
    """The record of the best-placed agency by domain (portal.agencies.HEADER_PREFERENCE), first configured first."""
    domain_of = configured_agencies().domain_of
    return min(records, key=lambda record: header_rank(domain_of(record.agency)))
