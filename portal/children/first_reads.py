"""What the first view asks the agencies for besides its page: the summary's event facts and restricted notices.

Both come from the page's own windows where they can, so an ordinary child's view sends each list one request:
- the facts (`portal.record.event_facts`) from each list's first window when the page reads newest first
  without a date or significance filter (`portal.children.fact_windows`), else on their own alongside the page;
- a list's "restricted information exists" notice from its window's answer where the agency puts it there
  (`Connector.notices_on_windows`; the summary read then did not ask for it). An agency the page does not read
  (left out by the agency filter) is asked for those notices alone, alongside the page, as before.
Everything here is decided before the page's first windows are asked for, so nothing waits for the page.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace

from connectors.base import Connector
from connectors.errors import ConnectorError
from connectors.models import KeyFact
from connectors.window import EventStream, EventWindow
from portal.children import display
from portal.children.assemble import ChildRecord, now_utc
from portal.children.fact_windows import KeptStart, facts_from_page, matching_lists, page_start_fits
from portal.children.paging import Policy, streams_for
from portal.record.event_facts import fact_reads
from portal.record.gather import GatheredSource, windows_carry
from portal.record.merge_window import WindowedView
from portal.record.summarise import SUMMARY_CATEGORIES

GRACE_S = 1.0  # past the deadline: the connectors' own timeouts end a read by then


class FirstReads:
    """The view's fact reads and notice reads, started as early as each can be (see the module docstring)."""

    def __init__(self, record: ChildRecord, params: display.ChronologyParams, visible: Policy,
                 failures: dict[str, str], connectors: Mapping[str, Connector], executor: Executor,
                 deadline: float) -> None:
        self._record, self._failures, self._connectors = record, failures, connectors
        self._executor, self._deadline = executor, deadline
        wanted = params.criteria.agencies
        self.read_by_page = {s.agency for s in record.sources if s.people and (not wanted or s.agency in wanted)}
        criteria = params.criteria
        self._start = EventWindow(newest_first=params.newest_first, date_from=criteria.date_from,
                                  date_to=criteria.date_to, significant_only=criteria.significant_only)
        shares = page_start_fits(self._start, all_significant=True)  # per list: see `keep`
        reads = fact_reads(record.sources, visible, now_utc(), deadline)
        self._later = {r.agency: r for r in reads if shares and r.agency in self.read_by_page}
        self._facts: list[tuple[str, Future[list[KeyFact]]]] = [
            (r.agency, executor.submit(r.read, self._own)) for r in reads if r.agency not in self._later]
        self._alone = [(s.agency, executor.submit(self._notices_alone, s)) for s in record.sources
                       if s.people and s.agency not in self.read_by_page]

    def keep(self, agency: str, streams: tuple[EventStream, ...]) -> tuple[EventStream, ...]:
        """The page's streams for `agency`, sharing their first answers with the agency's fact read."""
        read = self._later.pop(agency, None)
        if read is None:
            return streams
        kept = [KeptStart(stream) for stream in streams]
        lists = matching_lists(kept, self._own(read.source, read.categories))
        if lists is None or not all(page_start_fits(self._start, k.all_significant) for k in lists):
            # E.g. a significant-only page of a list with routine events: its start is not the facts' start.
            self._facts.append((agency, self._executor.submit(read.read, self._own)))
            return streams
        self._facts.append((agency, facts_from_page(read, lists, self._executor)))
        return tuple(kept)

    def facts(self) -> list[KeyFact]:
        """Every fact read's facts (those of an agency whose part failed are left out)."""
        for read in self._later.values():  # the page did not read this agency after all: read on its own
            self._facts.append((read.agency, self._executor.submit(read.read, self._own)))
        self._later = {}
        facts: list[KeyFact] = []
        for agency, future in self._facts:
            try:  # a read waiting for a window that never came back is given up at the deadline, not waited for
                found = future.result(timeout=max(0.0, self._deadline - time.monotonic()) + GRACE_S)
            except FutureTimeout:
                self._failures.setdefault(agency, "did not answer in time")
                continue
            facts += found if agency not in self._failures else []
        return facts

    def notices(self, view: WindowedView) -> dict[str, tuple[str, ...]]:
        """Per agency, the source notices its windows carried and those asked alone (the summary read did not)."""
        found: dict[str, tuple[str, ...]] = {}
        for stats in view.stats:
            found[stats.agency] = tuple(dict.fromkeys((*found.get(stats.agency, ()), *stats.notices)))
        for agency, future in self._alone:
            found[agency] = tuple(dict.fromkeys((*found.get(agency, ()), *future.result())))
        return found

    def _own(self, source: GatheredSource, categories: frozenset[str]) -> Sequence[EventStream]:
        return streams_for(self._record, source, categories, self._failures, self._connectors)

    def _notices_alone(self, source: GatheredSource) -> tuple[str, ...]:
        connector = self._connectors[source.agency]
        allowed = frozenset(self._record.decision.categories_for(source.agency)) & frozenset(connector.categories)
        carried = windows_carry(connector, allowed - SUMMARY_CATEGORIES)
        if not carried:
            return ()
        try:
            return tuple(n for person in source.people
                         for n in connector.restricted_notices(person, carried, deadline=self._deadline))
        except (ConnectorError, TimeoutError) as error:
            self._failures.setdefault(source.agency, str(error) or "did not answer")
            return ()


def with_source_notices(sources: Sequence[GatheredSource], found: Mapping[str, tuple[str, ...]]
                        ) -> tuple[GatheredSource, ...]:
    """The sources with the notices found after the summary read added to what it brought."""
    return tuple(replace(s, records=replace(s.records, restricted_notices=tuple(dict.fromkeys(
        (*s.records.restricted_notices, *found[s.agency]))))) if found.get(s.agency) else s for s in sources)
