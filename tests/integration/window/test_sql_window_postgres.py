"""The social work SQL window on PostgreSQL: ORDER BY … LIMIT pages equal the fetch-all pages, and mis-filed rows
(the sandbox's wrong_child fault) are dropped and counted as the fetch-all read drops and counts them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
import requests

from connectors.models import PersonQuery
from connectors.registry import build_connector
from connectors.sql import SqlConnector
from connectors.window import EventWindow
from portal.demo import fresh_sandbox_credentials
from portal.record.merge import ChronologyFilter, build_chronology
from portal.record.merge_window import AgencyStreams, WindowedView, windowed_chronology
from sandbox.cohort import generate
from sandbox.launcher import SandboxHandle, free_port, start_all
from sandbox.stores.socialwork import create_postgres, drop_postgres_schema
from tests.integration.connectors.sources import demo_table
from tests.support.postgres import ADMIN_URL, require_postgres

pytestmark = pytest.mark.postgres
PAGE_SIZE = 10
FILTERS = {
    "everything": ChronologyFilter(significant_only=False),
    "significant": ChronologyFilter(significant_only=True),
    "2015 to 2020": ChronologyFilter(significant_only=False, date_from=date(2015, 1, 1), date_to=date(2020, 12, 31)),
}


@pytest.fixture(scope="module")
def cohort() -> object:
    return generate()


@pytest.fixture(scope="module")
def social_work(cohort, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, SqlConnector, str]]:  # type: ignore[no-untyped-def]
    """The cohort's social work database in a schema of its own, its fault channel, and the demo connector on it."""
    require_postgres()
    schema = f"sw_window_{uuid.uuid4().hex[:10]}"
    create_postgres(ADMIN_URL, cohort.socialwork, schema=schema)
    credentials = fresh_sandbox_credentials()
    env = {**credentials, "SANDBOX_SOCIAL_WORK_DB_URL": ADMIN_URL, "SANDBOX_SOCIAL_WORK_PG_SCHEMA": schema}
    connector = build_connector("social_work", {**demo_table("social_work"), "schema": schema,
                                                "url": ADMIN_URL.replace("postgres@", "portal_reader@", 1)}, {})
    assert isinstance(connector, SqlConnector)
    try:
        with start_all(tmp_path_factory.mktemp("sw-pg"), {"social_work": free_port()}, env,
                       agencies=["social_work"]) as handle:
            yield handle, connector, credentials["SANDBOX_ADMIN_KEY"]
    finally:
        connector.close()
        drop_postgres_schema(ADMIN_URL, schema)
        drop_postgres_schema(ADMIN_URL, schema + "__sandbox_refused")


def _person(connector: SqlConnector, chi: str):  # type: ignore[no-untyped-def]
    found = [p for p in connector.find_people(PersonQuery(chi=chi), deadline=time.monotonic() + 10) if p.chi == chi]
    assert len(found) == 1
    return found[0]


def _window(connector: SqlConnector, person, criteria: ChronologyFilter, newest_first: bool, page: int,  # type: ignore[no-untyped-def]
            resume=None) -> WindowedView:  # type: ignore[no-untyped-def]
    streams = AgencyStreams("social_work", connector.event_streams(person, connector.categories))
    return windowed_chronology([streams], criteria, newest_first=newest_first, page=page, page_size=PAGE_SIZE,
                               deadline=time.monotonic() + 20, resume=resume)


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize("name", list(FILTERS))
def test_sql_windows_on_postgres_give_the_fetch_all_pages(social_work, cohort, newest_first: bool,  # type: ignore[no-untyped-def]
                                                          name: str) -> None:
    _handle, connector, _key = social_work
    person = _person(connector, _large_chi(cohort))
    criteria = FILTERS[name]
    everything = connector.fetch_records(person, connector.categories, deadline=time.monotonic() + 20).events
    streams = connector.event_streams(person, connector.categories)
    assert all(s.pushed_down for s in streams if s.name in ("significant_events", "referrals", "case_notes"))
    resume = None
    for page in range(1, 6):  # each page from where the one before stopped
        whole = build_chronology([everything], criteria, newest_first=newest_first, page=page, page_size=PAGE_SIZE)
        view = _window(connector, person, criteria, newest_first, page, resume)
        assert view.page.items == whole.page.items, f"page {page}"
        assert view.page.has_next == whole.page.has_next
        if view.counts_exact:
            assert view.matching_events == whole.matching_events
        if view.next_page is None:
            break
        resume = view.next_page
    first = _window(connector, person, criteria, newest_first, 1)
    sent = sum(s.items_sent for s in first.stats if s.pushed_down)
    assert sent <= 3 * (PAGE_SIZE + 1) * len(streams), "a first page asks each list for about a page"


def test_sql_limit_and_filters_run_in_postgres(social_work, cohort) -> None:  # type: ignore[no-untyped-def]
    _handle, connector, _key = social_work
    person = _person(connector, _large_chi(cohort))
    stream = next(s for s in connector.event_streams(person, connector.categories) if s.name == "case_notes")
    window = EventWindow(newest_first=False, limit=5, date_from=date(2016, 1, 1), date_to=date(2016, 12, 31))
    answer = stream.fetch(window, deadline=time.monotonic() + 10)
    assert answer.items_sent == len(answer.events) == 5
    assert all(date(2016, 1, 1) <= e.event_date <= date(2016, 12, 31) for e in answer.events)
    assert [e.event_date for e in answer.events] == sorted(e.event_date for e in answer.events)
    assert answer.total is not None and answer.total >= 5 and answer.next_offset == 5


def test_mis_filed_rows_in_a_window_are_dropped_and_counted_as_fetch_all_does(social_work, cohort) -> None:  # type: ignore[no-untyped-def]
    handle, connector, key = social_work
    person = _person(connector, _large_chi(cohort))
    notes = frozenset({"sw_case_notes"})  # one windowed list (case_notes) and a notice query that drops nothing
    url = f"{handle.admin_urls['social_work']}/_sandbox/faults"
    requests.post(url, json={"mode": "wrong_child"}, headers={"X-Sandbox-Admin": key}, timeout=15).raise_for_status()
    try:
        whole = connector.fetch_records(person, notes, deadline=time.monotonic() + 20)
        streams = AgencyStreams("social_work", connector.event_streams(person, notes))
        first = windowed_chronology([streams], FILTERS["everything"], page=1, page_size=PAGE_SIZE,
                                    deadline=time.monotonic() + 20)
        streams = AgencyStreams("social_work", connector.event_streams(person, notes))
        read_all = windowed_chronology([streams], FILTERS["everything"], page=10_000, page_size=PAGE_SIZE,
                                       deadline=time.monotonic() + 30)
    finally:
        requests.delete(url, headers={"X-Sandbox-Admin": key}, timeout=15).raise_for_status()
    assert whole.dropped_wrong_child > 0 and not whole.events, "the fault files another child's rows here"
    assert [s.pushed_down for s in read_all.stats] == [True]
    assert not first.page.items and not read_all.page.items, "no other child's row reaches a page"
    assert sum(s.dropped_wrong_child for s in first.stats) > 0, "the first page says it dropped some"
    assert sum(s.dropped_wrong_child for s in read_all.stats) == whole.dropped_wrong_child


def _large_chi(cohort) -> str:  # type: ignore[no-untyped-def]
    return next(c["chi"] for c in cohort.children if "large" in c["tags"])
