"""Both ways of building a child's chronology page from the real connectors: fetch everything, or windows."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Executor

from connectors.base import Connector
from connectors.models import ChronologyEvent, PersonQuery, PersonRecord
from portal.record.merge import ChronologyFilter, ChronologyView, build_chronology
from portal.record.merge_window import WindowedView, agency_streams, windowed_chronology

DEADLINE_S = 20.0


def linked_people(connectors: Sequence[Connector], chi: str) -> dict[str, list[PersonRecord]]:
    """Each agency's records carrying this CHI (the links a view would fetch)."""
    deadline = time.monotonic() + DEADLINE_S
    return {c.agency: [p for p in c.find_people(PersonQuery(chi=chi), deadline=deadline) if p.chi == chi]
            for c in connectors}


def fetch_all_events(connectors: Sequence[Connector], people: dict[str, list[PersonRecord]]
                     ) -> list[list[ChronologyEvent]]:
    """Every event of every agency, as the view has always fetched them (one list per agency, config order)."""
    deadline = time.monotonic() + DEADLINE_S
    return [[e for person in people[c.agency] for e in c.fetch_records(person, c.categories,
                                                                           deadline=deadline).events]
            for c in connectors]


def fetch_all_page(sources: list[list[ChronologyEvent]], criteria: ChronologyFilter, *, newest_first: bool,
                   page: int, page_size: int) -> ChronologyView:
    return build_chronology(sources, criteria, newest_first=newest_first, page=page, page_size=page_size)


def windowed_page(connectors: Sequence[Connector], people: dict[str, list[PersonRecord]],
                  criteria: ChronologyFilter, *, newest_first: bool, page: int, page_size: int,
                  executor: Executor | None = None) -> WindowedView:
    agencies = [agency_streams(c, people[c.agency], c.categories) for c in connectors]
    return windowed_chronology(agencies, criteria, newest_first=newest_first, page=page, page_size=page_size,
                               deadline=time.monotonic() + DEADLINE_S, executor=executor)
