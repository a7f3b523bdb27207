"""SCRA's first windows asked together (`windows_together`) against the sandbox: same answers, fewer requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from connectors.errors import RetryableError
from connectors.models import PersonQuery
from connectors.registry import build_connector
from connectors.window import EventSlice, EventWindow
from sandbox.cohort.generate import generate
from sandbox.cohort.write import write
from sandbox.launcher import SandboxHandle, free_port, start_all
from tests.integration.connectors.sandbox_source import SANDBOX_ENV, SandboxSource

COHORT_SIZE = 30
LISTS = {"/api/v1/children/{id}/referrals", "/api/v1/children/{id}/hearings", "/api/v1/children/{id}/orders"}


@pytest.fixture(scope="module")
def scra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, list[dict]]]:
    data_dir = tmp_path_factory.mktemp("together-sandbox")
    cohort = generate(size=COHORT_SIZE)
    write(cohort, data_dir)
    with start_all(Path(data_dir), {"scra": free_port()}, dict(SANDBOX_ENV), agencies=("scra",)) as handle:
        yield handle, cohort.children


def _first_windows(source: SandboxSource, together: bool, chi: str, window: EventWindow
                   ) -> tuple[dict[str, EventSlice], list[str], str] | None:
    """Every list's first window, asked at once as a view asks them; the requests the agency saw; the child's id."""
    config = source.config(page_size=3)
    if not together:
        config.pop("windows_together")
    connector = build_connector("scra", config, source.env())
    try:
        people = connector.find_people(PersonQuery(chi=chi), deadline=time.monotonic() + 10)
        if len(people) != 1:
            return None
        streams = connector.event_streams(people[0], connector.categories) or ()
        source.clear()
        with ThreadPoolExecutor(max_workers=len(streams)) as pool:
            slices = list(pool.map(lambda s: s.fetch(window, deadline=time.monotonic() + 10), streams))
        return {s.name: answer for s, answer in zip(streams, slices, strict=True)}, source.requests(), \
            people[0].source_id
    finally:
        connector.close()


@pytest.mark.parametrize("window", [EventWindow(limit=3), EventWindow(newest_first=False, limit=2),
                                    EventWindow(limit=3, significant_only=True)])
def test_first_windows_asked_together_are_those_asked_one_by_one_in_one_request(scra, window) -> None:
    handle, children = scra
    source = SandboxSource(handle, "scra", PersonQuery())
    compared = 0
    for child in children:
        alone = _first_windows(source, False, child["chi"], window)
        if alone is None:
            continue
        together = _first_windows(source, True, child["chi"], window)
        assert together is not None
        assert together[0] == alone[0]
        ident = alone[2]
        assert sorted(line.split("?")[0] for line in alone[1]) == sorted(p.replace("{id}", ident) for p in LISTS)
        assert [line.split("?")[0] for line in together[1]] == [f"/api/v1/children/{ident}/lists"]
        compared += any(answer.events for answer in alone[0].values())
    assert compared >= 3  # children with Reporter events were compared, not only empty lists


def _scra_streams(scra):  # type: ignore[no-untyped-def]
    """SCRA's connector (three to a window) and its lists' streams for a cohort child, its request log cleared."""
    handle, children = scra
    source = SandboxSource(handle, "scra", PersonQuery())
    connector = build_connector("scra", source.config(page_size=3), source.env())
    person = next(p for c in children for p in connector.find_people(
        PersonQuery(chi=c["chi"]), deadline=time.monotonic() + 10))
    streams = connector.event_streams(person, connector.categories) or ()
    source.clear()
    return source, connector, streams


def test_later_windows_and_a_second_ask_go_alone(scra) -> None:
    source, connector, streams = _scra_streams(scra)
    try:
        first = streams[0].fetch(EventWindow(limit=3), deadline=time.monotonic() + 10)
        again = streams[0].fetch(EventWindow(limit=3), deadline=time.monotonic() + 10)
        streams[1].fetch(EventWindow(limit=3, offset=3), deadline=time.monotonic() + 10)
        asked = [line.split("?")[0].rsplit("/", 1)[-1] for line in source.requests()]
    finally:
        connector.close()
    assert first == again
    assert asked == ["lists", streams[0].name, streams[1].name]


def test_a_failed_request_together_fails_every_list_it_asked_for(scra) -> None:
    source, connector, streams = _scra_streams(scra)
    try:
        source.inject("error500")
        for stream in streams:
            with pytest.raises(RetryableError):
                stream.fetch(EventWindow(limit=3), deadline=time.monotonic() + 10)
        asked = [line.split("?")[0].rsplit("/", 1)[-1] for line in source.requests()]
    finally:
        source.clear()
        connector.close()
    assert asked == ["lists"]  # the siblings were told of the failure, not asked again
