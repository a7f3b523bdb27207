"""Benchmark: chronology pages read in windows, for the 5,000-event child and an ordinary one. (Not a test.)

    .venv/bin/python -m bench.window [--runs 7]

Starts the five sandbox agencies on the demo cohort. For each child it links every agency's record
(by CHI; the large child's police record has no CHI, so it is linked as a practitioner would confirm
it, by name and date of birth), then walks pages 1 to 40 from each page's resume point, as "next
page" does in the view, and times page 1, page 2 and page 40 (median of several walks). The two
children's first pages are also timed in interleaved pairs, and the ratio of each pair reported. It also
times page 40 read from the start (a link straight to page 40) and the old fetch-all read. Then it times the
child's first view as the portal reads it (the summary read, page 1 in windows and the summary's event-derived
facts; `_first_view`), large and ordinary in interleaved pairs, against the old first view (everything). It prints
the items each agency sent for each page and whether each list was windowed at the source or read
whole (the honest fallback). Prints counts and timings only, never records.

Wall times on a shared machine are noisy: compare the ratio and the item counts, not the milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from connectors.base import Connector
from connectors.models import ChronologyEvent, PersonQuery, PersonRecord
from connectors.registry import load_registry
from connectors.window import EventStream, WholeListStream
from portal.children.first_view import FIRST_WINDOW
from portal.record.event_facts import fact_reads
from portal.record.gather import GatheredSource, GatherRequest, gather
from portal.record.merge import ChronologyFilter, build_chronology
from portal.record.merge_window import AgencyStreams, Resume, WindowedView, agency_streams, windowed_chronology
from portal.record.pool import FanoutExecutor
from portal.record.summarise import SUMMARY_CATEGORIES
from tests.support.sandbox import running_sandbox

CONFIG = Path(__file__).resolve().parent.parent / "config" / "connectors.toml"
PAGE_SIZE = 50
LAST_PAGE = 40
EVERYTHING = ChronologyFilter(significant_only=False)
POOL = ThreadPoolExecutor(max_workers=16)  # the view's fan-out pool stands in here
FANOUT = FanoutExecutor(16, 64)  # the summary read's fan-out, as the portal's worker runs it


def _people(connectors: list[Connector], child: dict[str, Any]) -> dict[str, list[PersonRecord]]:
    """Each agency's record of this child: by CHI, else the one the cohort says it is (a confirmed candidate)."""
    deadline = time.monotonic() + 30
    linked: dict[str, list[PersonRecord]] = {}
    for c in connectors:
        found = [p for p in c.find_people(PersonQuery(chi=child["chi"]), deadline=deadline) if p.chi == child["chi"]]
        own_id = child.get("ids", {}).get(c.agency)
        if not found and own_id:
            query = PersonQuery(surname=child["surname"], birth_date=_day(child["birth_date"]))
            found = [p for p in c.find_people(query, deadline=deadline) if p.source_id == own_id]
        linked[c.agency] = found
    return linked


def _day(text: str):  # type: ignore[no-untyped-def]
    from datetime import date

    return date.fromisoformat(text)


def _page(connectors: list[Connector], people: dict[str, list[PersonRecord]], page: int,
          resume: Resume | None) -> WindowedView:
    agencies = [agency_streams(c, people[c.agency], c.categories) for c in connectors if people[c.agency]]
    return windowed_chronology(agencies, EVERYTHING, page=page, page_size=PAGE_SIZE, deadline=time.monotonic() + 60,
                               executor=POOL, resume=resume, as_one_list=True)


def _walk(connectors: list[Connector], people: dict[str, list[PersonRecord]]) -> dict[int, tuple[float, WindowedView]]:
    """Pages 1..LAST_PAGE, each from the resume point the page before gave; (ms, view) per page."""
    timed: dict[int, tuple[float, WindowedView]] = {}
    resume = None
    for page in range(1, LAST_PAGE + 1):
        started = time.perf_counter()
        view = _page(connectors, people, page, resume)
        timed[page] = ((time.perf_counter() - started) * 1000, view)
        if view.next_page is None:
            break
        resume = view.next_page
    return timed


def _first_view(connectors: list[Connector], child: dict[str, Any], *, whole: bool = False,
                first_window: int = FIRST_WINDOW) -> tuple[float, WindowedView | None]:
    """The child's first view as the portal reads it (portal.children.first_view), without the web layer:
    the summary read (who is linked, key facts and notices), then page 1 in windows (first window 100 per
    list) alongside the summary's event-derived facts in windows of their own. `whole`: the old first view,
    every agency's every record (as print still reads). Returns (ms, page 1's windows)."""
    started = time.perf_counter()
    confirmed = frozenset((agency, source_id) for agency, source_id in child.get("ids", {}).items())
    request = GatherRequest(query=PersonQuery(chi=child["chi"], surname=child["surname"],
                                              birth_date=_day(child["birth_date"])),
                            allowed={c.agency: frozenset(c.categories) for c in connectors}, confirmed=confirmed,
                            facts_from=None if whole else SUMMARY_CATEGORIES)
    sources = gather(connectors, request, deadline_s=60, executor=FANOUT)
    if whole:
        build_chronology([[e for s in sources for e in s.records.events]], EVERYTHING, page=1, page_size=PAGE_SIZE)
        return (time.perf_counter() - started) * 1000, None
    by_agency = {c.agency: c for c in connectors}
    deadline = time.monotonic() + 60

    def streams(source: GatheredSource, categories: frozenset[str]) -> tuple[EventStream, ...]:
        return agency_streams(by_agency[source.agency], source.people, categories).streams

    pending = [POOL.submit(read.read, streams) for read in fact_reads(sources, lambda _: True, datetime.now(UTC),
                                                              deadline)]
    # As the view does: the summary read's events merged from memory, the other lists asked in windows.
    agencies = [AgencyStreams(s.agency, (*agency_streams(by_agency[s.agency], s.people,
                                                         frozenset(by_agency[s.agency].categories) - SUMMARY_CATEGORIES
                                                         ).streams,
                                         WholeListStream("summary read", partial(_held, s.records.events))))
                for s in sources if s.people]
    view = windowed_chronology(agencies, EVERYTHING, page=1, page_size=PAGE_SIZE, deadline=deadline, executor=POOL,
                               as_one_list=True, first_window=first_window)
    for future in pending:
        future.result()
    return (time.perf_counter() - started) * 1000, view


def _held(events: tuple[ChronologyEvent, ...], _deadline: float) -> tuple[ChronologyEvent, ...]:
    return events


def _fetch_all(connectors: list[Connector], people: dict[str, list[PersonRecord]]) -> int:
    deadline = time.monotonic() + 60

    def events(c: Connector) -> list[ChronologyEvent]:
        return [e for p in people[c.agency] for e in c.fetch_records(p, c.categories, deadline=deadline).events]

    sources = list(POOL.map(events, connectors))  # agencies in parallel, as the view gathers
    build_chronology([[e for s in sources for e in s]], EVERYTHING, page=1, page_size=PAGE_SIZE)
    return sum(map(len, sources))


def _timed(call, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _quartiles(values: list[float]) -> str:
    low, _, high = statistics.quantiles(values, n=4)
    return f"{low:.2f}-{high:.2f}x"


def _sent(view: WindowedView) -> str:
    sent: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    whole: set[str] = set()
    for stats in view.stats:
        sent[stats.agency] += stats.items_sent
        asked[stats.agency] += stats.requests
        if not stats.pushed_down:
            whole.add(stats.agency)
    return ", ".join(f"{a} {sent[a]} ({asked[a]}{', has a list read whole' if a in whole else ''})" for a in sent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--first-window", type=int, default=FIRST_WINDOW,
                        help="events asked of each list first, in the first view (the portal's is the default)")
    parser.add_argument("--first-view-only", action="store_true", help="time only the first view")
    arguments = parser.parse_args()
    runs, first_window = arguments.runs, arguments.first_window
    with tempfile.TemporaryDirectory() as folder, running_sandbox(Path(folder)) as sandbox:
        connectors = list(load_registry(CONFIG, sandbox.env).connectors)
        children = {"ordinary": sandbox.child("multi_agency"), "large": sandbox.child("large")}
        if not arguments.first_view_only:
            people = {label: _people(connectors, child) for label, child in children.items()}
            print(f"page size {PAGE_SIZE}; median of {runs} walks of pages 1-{LAST_PAGE} "
                  "(each page from the one before)")
            print(f"{'child':<9} {'read':<22} {'page':>4} {'ms':>7}  items sent per agency (requests)")
            walks = {label: [_walk(connectors, people[label]) for _ in range(runs)] for label in children}
            for label in children:
                for page in (1, 2, LAST_PAGE):
                    if page not in walks[label][0]:
                        continue
                    ms = statistics.median(w[page][0] for w in walks[label])
                    view = walks[label][0][page][1]
                    print(f"{label:<9} {'windows, resumed':<22} {view.page.number:>4} {ms:>7.0f}  {_sent(view)}")
                if LAST_PAGE in walks[label][0]:
                    ms = _timed(lambda label=label: _page(connectors, people[label], LAST_PAGE, None), runs)
                    view = _page(connectors, people[label], LAST_PAGE, None)
                    print(f"{label:<9} {'windows, from start':<22} {LAST_PAGE:>4} {ms:>7.0f}  {_sent(view)}")
                total = _fetch_all(connectors, people[label])
                ms = _timed(lambda label=label: _fetch_all(connectors, people[label]), runs)
                print(f"{label:<9} {'fetch-all':<22} {1:>4} {ms:>7.0f}  {total} events in all")
            # Paired and interleaved, so both children see the same load on a shared machine.
            ratios = []
            for _ in range(runs * 3):
                ordinary_ms = _timed(lambda: _page(connectors, people["ordinary"], 1, None), 1)
                large_ms = _timed(lambda: _page(connectors, people["large"], 1, None), 1)
                ratios.append(large_ms / ordinary_ms)
            print(f"page 1 windows alone, large / ordinary: median {statistics.median(ratios):.2f}x over {len(ratios)} "
                  f"interleaved pairs (quartiles {_quartiles(ratios)})")
        print(f"the first view as the portal reads it (summary read; page 1 in windows, first window {first_window} "
              "per list; event-derived facts):")
        for label, child in children.items():
            _, first = _first_view(connectors, child, first_window=first_window)
            assert first is not None
            drawn = "timeline drawn from the page's read" if first.everything is not None else "timeline offered"
            print(f"  {label:<9} {_sent(first)}; {drawn}")
        views: dict[str, list[float]] = {"ordinary": [], "large": [], "ordinary, old": [], "large, old": []}
        ratios = []
        for _ in range(runs * 3):
            ordinary_ms = _first_view(connectors, children["ordinary"], first_window=first_window)[0]
            large_ms = _first_view(connectors, children["large"], first_window=first_window)[0]
            views["ordinary"].append(ordinary_ms)
            views["large"].append(large_ms)
            ratios.append(large_ms / ordinary_ms)
        for _ in range(runs):
            views["ordinary, old"].append(_first_view(connectors, children["ordinary"], whole=True)[0])
            views["large, old"].append(_first_view(connectors, children["large"], whole=True)[0])
        print("  median ms: " + ", ".join(f"{label} {statistics.median(ms):.0f}" for label, ms in views.items()))
        print(f"  first view, large / ordinary: median {statistics.median(ratios):.2f}x over {len(ratios)} "
              f"interleaved pairs (quartiles {_quartiles(ratios)})")
        for connector in connectors:
            connector.close()


if __name__ == "__main__":
    main()
