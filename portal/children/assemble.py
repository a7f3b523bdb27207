"""The flow of one view (DESIGN.md §2), in memory: decide, gather, keep what policy allows, build.

Nothing here writes record content anywhere. The caller records the audit entry
before anything it returns is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from flask import current_app

from connectors.base import Connector
from connectors.models import ChronologyEvent, KeyFact
from portal.access.decision import AccessDecision, Requester
from portal.access.filtering import filter_items, source_notices
from portal.access.policy import decide
from portal.agencies import header_rank
from portal.children.reference import ChildReference
from portal.data.access_lookup import access_basis_for
from portal.data.users import SignedInUser
from portal.metrics import observed
from portal.record.gather import ConnectorLike, GatheredSource, GatherRequest, gather_as_answered
from portal.record.summarise import SUMMARY_CATEGORIES, KeyInformationSummary, build_summary, derived_facts
from portal.sources import executor, registry


@dataclass(frozen=True)
class ChildHeader:
    """Who the page is about, as the best-placed agency records them."""

    name: str
    birth_date: date | None
    chi: str
    recorded_by: str


@dataclass(frozen=True)
class ChildRecord:
    """Everything one view shows, assembled for this request only."""

    reference: ChildReference
    decision: AccessDecision
    sources: tuple[GatheredSource, ...]
    events: tuple[ChronologyEvent, ...]
    facts: tuple[KeyFact, ...]
    notices: dict[str, tuple[str, ...]]
    removed_by_policy: int
    summary: KeyInformationSummary
    header: ChildHeader
    agency_names: dict[str, str]


def now_utc() -> datetime:
    return datetime.now(UTC)


def decide_access(user: SignedInUser, reference: ChildReference, now: datetime) -> AccessDecision:
    """May this user see this child for the reference's purpose, and which categories from whom."""
    requester = Requester.from_user(user)
    relationship, grant = access_basis_for(user, reference.chi, now)
    agreements = current_app.extensions["agreements"]
    return decide(requester, reference.chi, reference.purpose, relationship, grant, agreements, now)


def assemble(user: SignedInUser, reference: ChildReference, decision: AccessDecision) -> ChildRecord:
    """Gather from every agency within the deadline, then keep only what the decision lets this user see."""
    gathering = start_gathering(reference, decision)
    return build_record(user, reference, decision, gathering.in_order(gathering.answers), gathering.agencies)


@dataclass(frozen=True)
class Gathering:
    """One view's agency calls, all started: who was asked (looked up once), and each answer as it comes."""

    agencies: dict[str, str]  # agency key → display name, in configuration order
    answers: Iterator[GatheredSource]
    connectors: Mapping[str, Connector] = field(default_factory=dict)  # agency key → its connector

    def in_order(self, answered: Iterable[GatheredSource]) -> list[GatheredSource]:
        """The answers in configuration order, whatever order they arrived in."""
        by_agency = {source.agency: source for source in answered}
        return [by_agency[agency] for agency in self.agencies if agency in by_agency]


def start_gathering(reference: ChildReference, decision: AccessDecision, *, summary_only: bool = False) -> Gathering:
    """Ask every agency at once on the worker's shared pool: the one fan-out of the page and the stream alike.

    `summary_only`: who is linked, and the key facts and notices of the summary's categories, no events (the
    chronology is then read in windows). When the pool is full, Saturated is raised here, having asked nobody,
    before any response has started.
    """
    connectors = registry().connectors  # once per view: the request, the order and the names all come from it
    request = gather_request(connectors, reference, decision)
    if summary_only:
        request = replace(request, facts_from=SUMMARY_CATEGORIES, notices_on_windows=True)  # first_view reads them
    answers = gather_as_answered(connectors, request,
                                 deadline_s=current_app.config["FEDERATION_DEADLINE_S"], executor=executor())
    return Gathering({c.agency: c.display_name for c in connectors}, observed(answers),
                     {c.agency: c for c in connectors})


def gather_request(connectors: Sequence[ConnectorLike], reference: ChildReference,
                   decision: AccessDecision) -> GatherRequest:
    """Ask each agency only for the categories the decision allows (minimisation at query time)."""
    allowed = {connector.agency: decision.categories_for(connector.agency) for connector in connectors}
    return GatherRequest(query=reference.query(), allowed=allowed, confirmed=reference.confirmed)


def build_record(user: SignedInUser, reference: ChildReference, decision: AccessDecision,
                 sources: Sequence[GatheredSource], agencies: Mapping[str, str], *,
                 event_facts: Sequence[KeyFact] | None = None) -> ChildRecord:
    """Keep only what the decision lets this user see, and build the summary (all in memory).

    `event_facts`: the facts derived from events, read in windows (the sources then hold no events).
    """
    requester = Requester.from_user(user)
    events = [event for source in sources for event in source.records.events]
    facts = [fact for source in sources for fact in source.records.facts]
    kept_events = filter_items(events, decision, requester)
    kept_facts = filter_items(facts, decision, requester)
    notices = _notices(sources, decision, kept_events.notices + kept_facts.notices)
    names = dict(agencies)
    # Name, date of birth, CHI and counts are derived from what this user may see, never from the raw answers.
    visible = [_only(source, kept_events.items, kept_facts.items) for source in sources]
    derived = derived_facts(visible, now_utc()) if event_facts is None else [
        *derived_facts(visible, now_utc(), from_events=False), *event_facts]
    summary_facts = [*kept_facts.items, *derived]
    summary = build_summary(summary_facts, [s.status for s in sources], agency_names=names,
                            domains={s.agency: s.domain or s.agency for s in sources})
    return ChildRecord(
        reference=reference,
        decision=decision,
        sources=tuple(sources),
        events=kept_events.items,
        facts=kept_facts.items,
        notices=notices,
        removed_by_policy=kept_events.removed + kept_facts.removed,
        summary=summary,
        header=_header(reference, sources, names),
        agency_names=names,
    )


def _only(source: GatheredSource, events: Sequence[ChronologyEvent], facts: Sequence[KeyFact]) -> GatheredSource:
    records = replace(
        source.records,
        events=tuple(e for e in events if e.agency == source.agency),
        facts=tuple(f for f in facts if f.agency == source.agency),
    )
    return replace(source, records=records)


def _notices(sources: Sequence[GatheredSource], decision: AccessDecision, policy_notices: Sequence[str]
             ) -> dict[str, tuple[str, ...]]:
    """'Restricted information exists' notices per agency: from policy filtering and from the sources' seals."""
    by_agency: dict[str, tuple[str, ...]] = {}
    for source in sources:
        own = source_notices(decision, source.agency, source.records.restricted_notices)
        team = decision.owning_teams.get(source.agency, "")
        from_policy = tuple(n for n in policy_notices if team and team in n)
        combined = tuple(dict.fromkeys(own + from_policy))
        if combined:
            by_agency[source.agency] = combined
    return by_agency


def header_from_search(reference: ChildReference) -> ChildHeader:
    """The header the shell shows at once: what the practitioner already saw on the results page."""
    name = " ".join(part for part in (reference.forename, reference.surname) if part) or "Name not available"
    return ChildHeader(name, reference.birth_date, reference.chi, "your search")


def _header(reference: ChildReference, sources: Sequence[GatheredSource], names: dict[str, str]) -> ChildHeader:
    for source in sorted(sources, key=_header_rank):
        person = source.links[0].person if source.links else None
        if person and (person.forename or person.surname):
            name = " ".join(part for part in (person.forename, person.surname) if part)
            return ChildHeader(name, person.birth_date, reference.chi, names.get(source.agency, source.agency))
    return header_from_search(reference)


def _header_rank(source: GatheredSource) -> int:
    return header_rank(source.domain or source.agency)
