"""Ask every agency at once, wait no longer than one deadline, keep only this child's records.

`gather` serves the child's page; `search` serves the search page. Both fan out on
the worker's one bounded pool (portal.record.pool) and return an answer for every
configured connector, in configuration order, even when a connector thread is still
hung: stragglers are abandoned, not joined. Nothing fetched is cached, logged or written anywhere.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from connectors.errors import ConnectorError
from connectors.models import (
    PersonQuery,
    PersonRecord,
    SourceRecords,
    SourceResult,
    SourceState,
    SourceStatus,
)
from portal.record.fan_out import Failure, fan_out, fan_out_as_answered, ms_since
from portal.record.group_search import ChildMatch, group_children
from portal.record.identify import MatchThresholds, ScoredPerson, classify_people
from portal.record.keep_this_child import combine_records, only_this_person
from portal.record.match import lookup_surnames
from portal.record.pool import FanoutExecutor

__all__ = [
    "ChildMatch",
    "ConnectorLike",
    "GatherRequest",
    "GatheredSource",
    "SearchOutcome",
    "gather",
    "gather_as_answered",
    "search",
    "windows_carry",
]

DEFAULT_DEADLINE_S = 3.0

T = TypeVar("T")


class ConnectorLike(Protocol):
    """What federation needs of a connector (connectors.base.Connector satisfies it)."""

    agency: str
    domain: str
    display_name: str
    source_system: str
    categories: frozenset[str]

    def find_people(self, query: PersonQuery, *, deadline: float) -> list[PersonRecord]: ...

    def fetch_records(self, person: PersonRecord, categories: frozenset[str], *, deadline: float) -> SourceRecords: ...


@dataclass(frozen=True)
class GatherRequest:
    """Who to gather for and what each agency may be asked for.

    `allowed` maps agency key → data categories the access policy allows;
    `confirmed` holds (agency, source_id) pairs a practitioner confirmed as this child;
    `references` (e.g. `ChildMatch.records`) add demographic evidence such as a previous surname.
    """

    query: PersonQuery
    allowed: Mapping[str, frozenset[str]]
    confirmed: frozenset[tuple[str, str]] = frozenset()
    thresholds: MatchThresholds = field(default_factory=MatchThresholds)
    references: tuple[PersonRecord, ...] = ()  # records already known to be this child (from the search)
    confirmed_people: tuple[PersonRecord, ...] = ()  # confirmed candidates, fetched even if no lookup finds them
    find_by_demographics: bool = True  # also ask by name and birth date, to offer records that lack the CHI
    read_records: bool = True  # False: identity only (who is linked), e.g. when the chronology reads in windows
    # Set: read only these categories (their key facts, notices and events) and the other categories' notices
    # alone (the summary read of a view whose chronology is read in windows).
    facts_from: frozenset[str] | None = None
    # With `facts_from`: the caller reads the other categories' windows from the start, and takes the notices they
    # carry (`Connector.notices_on_windows`) from them, so only the rest are asked alone.
    notices_on_windows: bool = False


@dataclass(frozen=True)
class GatheredSource(SourceResult):
    """A SourceResult plus what the page needs to explain it: names, links and candidates to offer."""

    display_name: str = ""
    source_system: str = ""
    links: tuple[ScoredPerson, ...] = ()
    candidates: tuple[ScoredPerson, ...] = ()
    domain: str = ""  # the agency's domain (connectors.agencies): what the KIS and the header look it up by


@dataclass(frozen=True)
class SearchOutcome:
    """Children found by a search, and what each agency said."""

    children: tuple[ChildMatch, ...]
    statuses: tuple[SourceStatus, ...]


def gather(
    connectors: Sequence[ConnectorLike],
    request: GatherRequest,
    *,
    deadline_s: float = DEFAULT_DEADLINE_S,
    executor: FanoutExecutor | None = None,
) -> list[GatheredSource]:
    """Ask every connector for this child's records, in parallel, within one deadline.

    Returns one result per connector, in the order given. An agency with no allowed
    categories is not called (WITHHELD); one that has not answered by the deadline is
    TIMED_OUT; an error becomes FAILED with the connector's readable reason. Raises
    Saturated, having asked nobody, when the worker's pool cannot take the calls.
    """
    by_agency = {source.agency: source
                 for source in gather_as_answered(connectors, request, deadline_s=deadline_s, executor=executor)}
    return [by_agency[connector.agency] for connector in connectors]


def gather_as_answered(
    connectors: Sequence[ConnectorLike],
    request: GatherRequest,
    *,
    deadline_s: float = DEFAULT_DEADLINE_S,
    executor: FanoutExecutor | None = None,
) -> Iterator[GatheredSource]:
    """Like `gather`, but each agency's result as soon as it has one (withheld agencies first).

    Every agency is asked at once, before this returns (so Saturated is raised here, not while iterating).
    """
    deadline = time.monotonic() + deadline_s
    to_ask = [c for c in connectors if _allowed_for(c, request)]
    answers = fan_out_as_answered(to_ask, lambda c: _gather_one(c, request, deadline), deadline, deadline_s,
                                  executor)
    withheld = [_withheld(c) for c in connectors if not _allowed_for(c, request)]
    return _as_results(withheld, answers, request)


def _as_results(withheld: list[GatheredSource], answers: Iterator[tuple[ConnectorLike, GatheredSource | Failure]],
                request: GatherRequest) -> Iterator[GatheredSource]:
    yield from withheld
    for connector, answer in answers:
        if isinstance(answer, Failure):
            status = SourceStatus(connector.agency, answer.state, answer.reason, answer.elapsed_ms)
            answer = _source(connector, status, withheld=_withheld_categories(connector, request))
        yield answer


def search(
    connectors: Sequence[ConnectorLike],
    query: PersonQuery,
    deadline_s: float = DEFAULT_DEADLINE_S,
    *,
    thresholds: MatchThresholds | None = None,
    executor: FanoutExecutor | None = None,
) -> SearchOutcome:
    """Ask every connector's find_people in parallel and group what comes back into children.

    Records sharing a CHI are one child; records without a CHI are offered as scored
    candidates on the children they may be; twins and namesakes stay separate children.
    """
    thresholds = thresholds or MatchThresholds()
    deadline = time.monotonic() + deadline_s

    def find(connector: ConnectorLike) -> tuple[list[PersonRecord], int]:
        started = time.monotonic()
        if query.chi or not (query.surname and query.birth_date):
            people = list(connector.find_people(query, deadline=deadline))
        else:
            people = _find_by_demographics(connector, query, (), deadline)
        return people, ms_since(started)

    answers = fan_out(connectors, find, deadline, deadline_s, executor)
    statuses: list[SourceStatus] = []
    found: list[PersonRecord] = []
    for connector in connectors:
        answer = answers[id(connector)]
        if isinstance(answer, Failure):
            statuses.append(SourceStatus(connector.agency, answer.state, answer.reason, answer.elapsed_ms))
            continue
        people, elapsed_ms = answer
        anchor = _bare_chi(query.chi)
        wrong = [p for p in people if anchor and p.chi and _bare_chi(p.chi) != anchor]
        people = [p for p in people if p not in wrong]
        state = SourceState.ANSWERED if people else SourceState.WRONG_PERSON if wrong else SourceState.NO_RECORD
        notes = ["" if people or wrong else "no record held", _wrong_child_note(len(wrong))]
        reason = "; ".join(filter(None, notes))
        statuses.append(
            SourceStatus(
                connector.agency, state, reason, elapsed_ms, item_count=len(people), dropped_wrong_child=len(wrong)
            )
        )
        found.extend(people)
    return SearchOutcome(group_children(query, found, thresholds), tuple(statuses))


def _gather_one(connector: ConnectorLike, request: GatherRequest, deadline: float) -> GatheredSource:
    started = time.monotonic()
    allowed = _allowed_for(connector, request)
    withheld = _withheld_categories(connector, request)
    query = request.query
    people, wrong_child, lookup_note = _find_people(connector, request, deadline)
    sorted_people = classify_people(
        query.chi,
        query,
        people,
        confirmed=request.confirmed | {(p.agency, p.source_id) for p in request.confirmed_people},
        thresholds=request.thresholds,
        references=request.references,
    )
    collected: list[SourceRecords] = []
    asked = allowed if request.facts_from is None else allowed & request.facts_from
    for scored in sorted_people.linked if request.read_records else ():
        records = connector.fetch_records(scored.person, asked, deadline=deadline) if asked else SourceRecords()
        if request.facts_from is not None:  # the other categories' events are read in windows, notices asked alone
            alone = allowed - asked
            if request.notices_on_windows:
                alone -= windows_carry(connector, alone)
            records = replace(records, restricted_notices=tuple(dict.fromkeys(
                (*records.restricted_notices, *_notices_alone(connector, scored.person, alone, deadline)))))
        collected.append(only_this_person(records, scored.person, allowed))
    records = combine_records(collected)
    wrong_child += records.dropped_wrong_child
    elapsed_ms = ms_since(started)
    if sorted_people.linked:
        item_count = len(records.events) + len(records.facts)
        state, reason = SourceState.ANSWERED, ""
    else:
        item_count, state = 0, SourceState.NO_RECORD
        reason = _no_record_reason(len(sorted_people.candidates))
    if wrong_child and not item_count and not sorted_people.candidates:
        # Everything it sent was about someone else: saying "no record held" would not be true.
        state, reason = SourceState.WRONG_PERSON, "answered only with another person's records"
    reason = "; ".join(filter(None, [reason, _wrong_child_note(wrong_child), lookup_note]))
    status = SourceStatus(
        connector.agency,
        state,
        reason,
        elapsed_ms,
        item_count=item_count,
        dropped_wrong_child=wrong_child,
        withheld_categories=withheld,
    )
    return _source(
        connector,
        status,
        people=tuple(s.person for s in sorted_people.linked),
        records=records,
        links=tuple(sorted_people.linked),
        candidates=_flag_second_records(connector, sorted_people.linked, sorted_people.candidates),
    )


def _notices_alone(connector: ConnectorLike, person: PersonRecord, categories: frozenset[str], deadline: float
                   ) -> tuple[str, ...]:
    """The source's restricted notices for categories whose records are not read here (connectors.base)."""
    if not categories:
        return ()
    ask = getattr(connector, "restricted_notices", None)
    if ask is None:  # a connector without the question: read the records for their notices
        return connector.fetch_records(person, categories, deadline=deadline).restricted_notices
    notices: tuple[str, ...] = ask(person, categories, deadline=deadline)
    return notices


def windows_carry(connector: ConnectorLike, categories: frozenset[str]) -> frozenset[str]:
    """Those of `categories` whose notices the connector's windows bring (none for a connector that cannot say)."""
    carry = getattr(connector, "notices_on_windows", None)
    return frozenset(carry(categories)) if carry is not None else frozenset()


def _flag_second_records(
    connector: ConnectorLike, linked: list[ScoredPerson], candidates: list[ScoredPerson]
) -> tuple[ScoredPerson, ...]:
    """Say so when the agency already holds a record linked to this child: a second one is likely someone else."""
    if not linked:
        return tuple(candidates)
    note = f"{connector.display_name} already holds a record linked to this child: this may be another child"
    return tuple(ScoredPerson(c.person, replace(c.match, reasons=(*c.match.reasons, note))) for c in candidates)


def _wrong_child_note(count: int) -> str:
    if not count:
        return ""
    return f"{count:,} {'record' if count == 1 else 'records'} for another person {'was' if count == 1 else 'were'} " \
        "dropped"


def _no_record_reason(candidate_count: int) -> str:
    if not candidate_count:
        return "no record held"
    noun = "possible match" if candidate_count == 1 else "possible matches"
    return f"no record linked by identifier; {candidate_count} {noun} to confirm"


def _find_people(
    connector: ConnectorLike, request: GatherRequest, deadline: float
) -> tuple[list[PersonRecord], int, str]:
    """The agency's people who may be this child, how many a CHI lookup returned for another child, and a note.

    A CHI lookup cannot find an agency's record that lacks the CHI, so when it finds nothing
    and demographics are to hand, the agency is asked again by surname (and its variants)
    and birth date: records without a CHI come back as candidates. Confirmed people are
    added even if no lookup finds them.
    """
    query = request.query
    anchor = _bare_chi(query.chi)
    people = list(connector.find_people(query, deadline=deadline))
    wrong_child = sum(1 for p in people if anchor and p.chi and _bare_chi(p.chi) != anchor)
    note = ""
    # Only when the CHI found nothing here: otherwise a name lookup finds the same record or a namesake.
    found_by_chi = any(_bare_chi(p.chi) == anchor for p in people)
    if anchor and request.find_by_demographics and not found_by_chi:
        try:
            for person in _find_by_demographics(connector, query, request.references, deadline):
                # Another CHI here is a namesake, not a fault: leave it out.
                if not person.chi or _bare_chi(person.chi) == anchor:
                    people.append(person)
        except (ConnectorError, TimeoutError):
            note = "the search by name and date of birth did not finish"
    people += [p for p in request.confirmed_people if p.agency == connector.agency]
    return _unique(people), wrong_child, note


def _find_by_demographics(
    connector: ConnectorLike, query: PersonQuery, references: Sequence[PersonRecord], deadline: float
) -> list[PersonRecord]:
    """Ask by surname (and spelling variants, known previous surnames) and birth date; first names are scored later.

    A CHI-only query borrows the surname and birth date from `references` (other agencies' linked records).
    """
    others = [name for ref in references for name in (ref.surname or "", *ref.previous_surnames)]
    surname = query.surname or next((name for name in others if name), None)
    birth_date = query.birth_date or next((ref.birth_date for ref in references if ref.birth_date), None)
    if not (surname and birth_date):
        return []
    found: list[PersonRecord] = []
    for name in lookup_surnames(surname, others):
        if time.monotonic() >= deadline:
            break
        found += connector.find_people(PersonQuery(surname=name, birth_date=birth_date), deadline=deadline)
    return _unique(found)


def _unique(people: Iterable[PersonRecord]) -> list[PersonRecord]:
    return list({person.source_id: person for person in reversed(list(people))}.values())[::-1]


def _bare_chi(chi: str | None) -> str:
    return (chi or "").replace(" ", "")


def _allowed_for(connector: ConnectorLike, request: GatherRequest) -> frozenset[str]:
    return frozenset(request.allowed.get(connector.agency, frozenset())) & frozenset(connector.categories)


def _withheld_categories(connector: ConnectorLike, request: GatherRequest) -> tuple[str, ...]:
    return tuple(sorted(frozenset(connector.categories) - _allowed_for(connector, request)))


def _withheld(connector: ConnectorLike) -> GatheredSource:
    reason = "withheld: no data category is shared for this purpose"
    categories = tuple(sorted(connector.categories))
    status = SourceStatus(connector.agency, SourceState.WITHHELD, reason, withheld_categories=categories)
    return _source(connector, status)


def _source(
    connector: ConnectorLike,
    status: SourceStatus,
    *,
    withheld: tuple[str, ...] = (),
    people: tuple[PersonRecord, ...] = (),
    records: SourceRecords | None = None,
    links: tuple[ScoredPerson, ...] = (),
    candidates: tuple[ScoredPerson, ...] = (),
) -> GatheredSource:
    if withheld and not status.withheld_categories:
        status = SourceStatus(
            status.agency, status.state, status.reason, status.elapsed_ms, withheld_categories=withheld
        )
    return GatheredSource(
        agency=connector.agency,
        status=status,
        people=people,
        records=records or SourceRecords(),
        display_name=connector.display_name,
        source_system=connector.source_system,
        links=links,
        candidates=candidates,
        domain=connector.domain,
    )
