"""The contract every connector must pass, as a reusable pytest base class.

Subclass `ConnectorContract` in a test module and provide a `source` fixture
returning a `ContractSource`: something that can build the connector under test
against a real (or realistic) source, inject faults into that source, and say
what the source was asked. Every `test_` method below then runs against it:

    class TestMyAgency(ConnectorContract):
        @pytest.fixture
        def source(self, my_fake_server): return MyContractSource(my_fake_server)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

import pytest

from connectors.base import Connector
from connectors.errors import (
    ConfigurationError,
    MalformedResponseError,
    ResponseTooLargeError,
    RetryableError,
    SourceUnavailableError,
    TimedOutError,
    UnauthorisedError,
)
from connectors.models import LABELS, ChronologyEvent, KeyFact, PersonQuery, PersonRecord, SourceRecords
from connectors.registry import build_connector
from connectors.testing_windows import WindowPromisesContract
from connectors.window import EventStream, EventWindow

# Generous bounds: the behaviour is "gives up at the deadline", not a precise timing.
SHORT_DEADLINE_S = 0.6
FAR_DEADLINE_S = 10.0
MAX_WINDOWS = 500  # a stream whose cursor never ends fails the contract instead of hanging it

# The `make` fixture: builds the connector under test, with any limits overridden by keyword.
MakeConnector = Callable[..., Connector]


class ContractSource(Protocol):
    """What a connector's contract test needs from the source it runs against."""

    agency: str
    known_person: PersonQuery
    # A substring of the request log that appears only when that category is asked for; None for a category
    # read from the person record the search already sent (nothing more is asked for it).
    category_markers: Mapping[str, str | None]
    # Keys whose absence must make the configuration invalid.
    required_keys: Sequence[str]
    supports_paging: bool
    supports_retry: bool  # can fail once with 503 and then answer
    supports_server_errors: bool  # can answer with HTTP 500

    def config(self, **limits: Any) -> dict[str, Any]:
        """The agency's config table. `limits`: read_timeout, response_cap, max_pages, unreachable, bad_credentials."""
        ...

    def env(self) -> Mapping[str, str]:
        """Environment holding the credentials the config names."""
        ...

    def inject(self, fault: str, **kwargs: Any) -> None:
        """Apply a fault: hang, latency (latency_ms), error500, error503_once, malformed, wrong_child, page_forever,
        refuse. Every kind must support `wrong_child` (the source answers with another person's records, each
        saying whose it is) and `refuse` (the source goes away, or is replaced, after answering)."""
        ...

    def clear(self) -> None:
        """Remove faults and empty the request log."""
        ...

    def requests(self) -> list[str]:
        """What the source was asked since the last clear (paths with queries, or statement names)."""
        ...

    def expected_record_count(self, person: PersonRecord) -> int:
        """How many events plus facts the source holds (unsealed) for this person across all categories."""
        ...


class ConnectorContract(WindowPromisesContract):
    """Behaviour every connector kind must show; subclasses supply the `source` fixture."""

    @pytest.fixture
    def source(self) -> ContractSource:  # pragma: no cover - always overridden
        raise NotImplementedError

    @pytest.fixture
    def make(self, source: ContractSource) -> Iterator[MakeConnector]:
        built: list[Connector] = []

        def factory(**limits: Any) -> Connector:
            connector = build_connector(source.agency, source.config(**limits), source.env(),
                                        on_call=getattr(source, "on_call", None))
            built.append(connector)
            return connector

        yield factory
        for connector in built:
            connector.close()

    def _person(self, source: ContractSource, connector: Connector) -> PersonRecord:
        people = connector.find_people(source.known_person, deadline=_deadline(FAR_DEADLINE_S))
        assert len(people) == 1, "the known person query should find exactly one person"
        return people[0]

    # -- configuration --------------------------------------------------------------------------

    def test_configuration_rejects_missing_required_keys(self, source: ContractSource) -> None:
        for key in ("kind", "display_name", "source_system", *source.required_keys):
            config = source.config()
            config.pop(key)
            with pytest.raises(ConfigurationError) as caught:
                build_connector(source.agency, config, source.env())
            assert f"agencies.{source.agency}" in caught.value.reason
            assert key in caught.value.reason

    def test_configuration_rejects_category_outside_vocabulary(self, source: ContractSource) -> None:
        config = {**source.config(), "categories": ["not_a_category"]}
        with pytest.raises(ConfigurationError, match="not_a_category"):
            build_connector(source.agency, config, source.env())

    def test_configuration_rejects_missing_credentials(self, source: ContractSource) -> None:
        if not source.env():
            pytest.skip("this source needs no credentials")
        with pytest.raises(ConfigurationError, match="environment variable"):
            build_connector(source.agency, source.config(), {})

    # -- happy path -----------------------------------------------------------------------------

    def test_happy_path_returns_tagged_records_for_the_known_person(
        self, source: ContractSource, make: MakeConnector
    ) -> None:
        connector = make()
        person = self._person(source, connector)
        assert person.agency == source.agency and person.source_id
        records = connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))
        assert records.events or records.facts
        for item in _items(records):
            assert item.category in connector.categories
            assert item.security_label in LABELS
            assert item.agency == source.agency
        assert all(e.subject_source_id == person.source_id for e in records.events)
        assert records.dropped_wrong_child == 0

    def test_asks_the_source_only_for_requested_categories(self, source: ContractSource, make: MakeConnector) -> None:
        connector = make()
        person = self._person(source, connector)
        for category, marker in source.category_markers.items():
            source.clear()
            records = connector.fetch_records(person, frozenset({category}), deadline=_deadline(FAR_DEADLINE_S))
            asked = "\n".join(source.requests())
            assert marker is None or marker in asked, f"{category} was not requested"
            others = [m for c, m in source.category_markers.items() if m not in (marker, None) and m in asked]
            assert not others, f"asking for {category} also requested {others}"
            assert {i.category for i in _items(records)} <= {category}

    def test_asking_for_no_categories_requests_nothing(self, source: ContractSource, make: MakeConnector) -> None:
        connector = make()
        person = self._person(source, connector)
        source.clear()
        records = connector.fetch_records(person, frozenset(), deadline=_deadline(FAR_DEADLINE_S))
        assert not records.events and not records.facts
        assert source.requests() == []

    def test_reads_every_page(self, source: ContractSource, make: MakeConnector) -> None:
        if not source.supports_paging:
            pytest.skip("this source does not page")
        connector = make()
        person = self._person(source, connector)
        records = connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))
        assert len(records.events) + len(records.facts) == source.expected_record_count(person)

    def test_endless_paging_fails_cleanly(self, source: ContractSource, make: MakeConnector) -> None:
        if not source.supports_paging:
            pytest.skip("this source does not page")
        connector = make(max_pages=3)
        person = self._person(source, connector)
        source.inject("page_forever")
        with pytest.raises(MalformedResponseError, match="pages"):
            connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))

    # -- failures -------------------------------------------------------------------------------

    def test_hung_source_gives_up_at_the_deadline(self, source: ContractSource, make: MakeConnector) -> None:
        connector = make(read_timeout=5.0)
        source.inject("hang")
        started = time.monotonic()
        with pytest.raises(TimedOutError) as caught:
            connector.find_people(source.known_person, deadline=started + SHORT_DEADLINE_S)
        assert time.monotonic() - started < 2 * SHORT_DEADLINE_S
        assert connector.display_name in caught.value.reason

    def test_slow_source_gives_up_at_the_read_timeout(self, source: ContractSource, make: MakeConnector) -> None:
        connector = make(read_timeout=0.3)
        source.inject("latency", latency_ms=1500)
        started = time.monotonic()
        with pytest.raises(TimedOutError):
            connector.find_people(source.known_person, deadline=_deadline(FAR_DEADLINE_S))
        assert time.monotonic() - started < 1.2

    def test_refused_connection_is_reported_as_unavailable(self, source: ContractSource, make: MakeConnector) -> None:
        connector = make(unreachable=True)
        with pytest.raises(SourceUnavailableError) as caught:
            connector.find_people(source.known_person, deadline=_deadline(FAR_DEADLINE_S))
        assert connector.display_name in caught.value.reason

    def test_rejected_credentials_are_reported_as_unauthorised(
        self, source: ContractSource, make: MakeConnector
    ) -> None:
        connector = make(bad_credentials=True)
        with pytest.raises(UnauthorisedError):
            connector.find_people(source.known_person, deadline=_deadline(FAR_DEADLINE_S))

    def test_server_error_is_reported_as_retryable(self, source: ContractSource, make: MakeConnector) -> None:
        if not source.supports_server_errors:
            pytest.skip("this source has no HTTP server errors")
        connector = make()
        source.inject("error500")
        with pytest.raises(RetryableError) as caught:
            connector.find_people(source.known_person, deadline=_deadline(FAR_DEADLINE_S))
        assert not isinstance(caught.value, TimedOutError)

    def test_one_transient_unavailability_is_retried(self, source: ContractSource, make: MakeConnector) -> None:
        if not source.supports_retry:
            pytest.skip("this source has no transient HTTP failures")
        connector = make()
        source.inject("error503_once")
        assert len(connector.find_people(source.known_person, deadline=_deadline(FAR_DEADLINE_S))) == 1

    def test_malformed_answer_is_reported(self, source: ContractSource, make: MakeConnector) -> None:
        connector = make()
        person = self._person(source, connector)
        source.inject("malformed")
        with pytest.raises(MalformedResponseError):
            connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))

    def test_oversized_answer_is_refused(self, source: ContractSource, make: MakeConnector) -> None:
        person = self._person(source, make())
        capped = make(response_cap=2)
        with pytest.raises(ResponseTooLargeError):
            capped.fetch_records(person, capped.categories, deadline=_deadline(FAR_DEADLINE_S))

    # -- whose records ----------------------------------------------------------------------------
    # Every connector kind, present and future, must check whose each item is: no `supports_*` opt-out.

    def test_another_childs_records_are_dropped_and_counted(self, source: ContractSource, make: MakeConnector) -> None:
        connector = make()
        person = self._person(source, connector)
        source.inject("wrong_child")
        records = connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))
        assert records.dropped_wrong_child > 0
        assert all(e.subject_source_id == person.source_id for e in records.events)

    def test_an_answer_about_another_person_shows_nothing_of_theirs(
        self, source: ContractSource, make: MakeConnector
    ) -> None:
        connector = make()
        person = self._person(source, connector)
        own = connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))
        own_ids = {i.source_record_id for i in _items(own)}
        source.inject("wrong_child")
        answer = connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))
        foreign = [i for i in _items(answer) if i.source_record_id not in own_ids]
        assert foreign == [], "an item the person's own answer does not hold was kept"
        assert answer.dropped_wrong_child > 0

    def test_a_source_that_goes_away_after_answering_is_unavailable(
        self, source: ContractSource, make: MakeConnector
    ) -> None:
        connector = make()
        person = self._person(source, connector)
        connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))
        source.inject("refuse")
        with pytest.raises(SourceUnavailableError) as caught:
            connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))
        assert connector.display_name in caught.value.reason

    def test_failure_reasons_carry_no_personal_data(self, source: ContractSource, make: MakeConnector) -> None:
        connector = make()
        person = self._person(source, connector)
        source.inject("malformed")
        with pytest.raises(MalformedResponseError) as caught:
            connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S))
        for value in (person.surname, person.forename, person.chi, person.source_id):
            if value:
                assert value not in caught.value.reason


    # -- chronology windows (connectors.window) ----------------------------------------------------

    def _streams_or_skip(self, connector: Connector, person: PersonRecord) -> tuple[EventStream, ...]:
        streams = connector.event_streams(person, connector.categories)
        if streams is None:
            pytest.skip("this connector declares it cannot sort or limit: its events are read whole")
        return streams

    def test_event_streams_hold_exactly_the_events_fetch_records_returns(self, source: ContractSource,
                                                                         make: MakeConnector) -> None:
        connector = make()
        person = self._person(source, connector)
        streams = self._streams_or_skip(connector, person)
        whole = connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S)).events
        for newest_first in (True, False):
            read = [e for stream in streams for e in _read_stream(stream, newest_first, limit=3)]
            assert sorted(map(_identity, read)) == sorted(map(_identity, whole))

    def test_event_streams_answer_in_date_order_and_within_the_limit(
        self, source: ContractSource, make: MakeConnector
    ) -> None:
        connector = make()
        person = self._person(source, connector)
        for stream in self._streams_or_skip(connector, person):
            for newest_first in (True, False):
                answer = stream.fetch(EventWindow(newest_first=newest_first, limit=3),
                                      deadline=_deadline(FAR_DEADLINE_S))
                dates = [e.event_date for e in answer.events]
                assert dates == sorted(dates, reverse=newest_first), stream.name
                if stream.pushed_down:  # the source itself sent no more than asked for
                    assert answer.items_sent <= 3, stream.name
                    assert answer.total is None or answer.total >= len(answer.events), stream.name

    def test_event_streams_apply_the_date_bound(self, source: ContractSource, make: MakeConnector) -> None:
        connector = make()
        person = self._person(source, connector)
        streams = self._streams_or_skip(connector, person)
        whole = connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S)).events
        if not whole:
            pytest.skip("the known person has no events here")
        bound = sorted(e.event_date for e in whole)[len(whole) // 2]
        read = [e for stream in streams for e in _read_stream(stream, True, limit=5, date_to=bound)]
        assert sorted(map(_identity, read)) == sorted(_identity(e) for e in whole if e.event_date <= bound)

    def test_event_streams_keep_every_event_the_start_date_and_significance_filters_keep(
            self, source: ContractSource, make: MakeConnector) -> None:
        # A source may apply these itself or not (then it sends more, and the portal filters), but it must never
        # lose an event that passes: a period that began before the start date and runs past it still counts.
        connector = make()
        person = self._person(source, connector)
        streams = self._streams_or_skip(connector, person)
        whole = connector.fetch_records(person, connector.categories, deadline=_deadline(FAR_DEADLINE_S)).events
        if not whole:
            pytest.skip("the known person has no events here")
        start = sorted(e.event_date for e in whole)[len(whole) // 2]
        read = [e for stream in streams for e in _read_stream(stream, False, limit=4, date_from=start)]
        due = {_identity(e) for e in whole if (e.end_date or e.event_date) >= start}
        assert due <= set(map(_identity, read)) <= set(map(_identity, whole))
        read = [e for stream in streams for e in _read_stream(stream, True, limit=4, significant_only=True)]
        due = {_identity(e) for e in whole if e.significant}
        assert due <= set(map(_identity, read)) <= set(map(_identity, whole))


def _identity(event: ChronologyEvent) -> tuple[str, str, str, str]:
    return event.source_record_id, event.event_date.isoformat(), event.title, event.category


def _read_stream(stream: EventStream, newest_first: bool, *, limit: int, date_to: date | None = None,
                 date_from: date | None = None, significant_only: bool = False) -> list[ChronologyEvent]:
    """Every event of one stream, window by window, following its cursor."""
    events: list[ChronologyEvent] = []
    offset: int | None = 0
    for _ in range(MAX_WINDOWS):
        if offset is None:
            return events
        window = EventWindow(newest_first=newest_first, offset=offset, limit=limit, date_from=date_from,
                             date_to=date_to, significant_only=significant_only)
        answer = stream.fetch(window, deadline=_deadline(FAR_DEADLINE_S))
        events.extend(answer.events)
        assert answer.next_offset is None or answer.next_offset > offset, "a cursor must move forward"
        offset = answer.next_offset
    raise AssertionError(f"{stream.name} kept offering more windows than the {MAX_WINDOWS} a test reads")


def _items(records: SourceRecords) -> tuple[ChronologyEvent | KeyFact, ...]:
    """Every event and key fact of one answer (typed as either, which a bare tuple splice is not)."""
    return (*records.events, *records.facts)


def _deadline(seconds: float) -> float:
    return time.monotonic() + seconds
