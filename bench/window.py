"""Benchmark: a chronology page read in windows, for the 5,000-event child and an ordinary one. (Not a test.)

    .venv/bin/python -m bench.window

Starts the five sandbox agencies on the demo cohort, then for each child times the first page,
page 2 and page 40 read in windows (median of several runs) against reading everything, and
prints the items each agency sent for the page. Prints counts and timings only, never records.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from connectors.base import Connector
from connectors.models import ChronologyEvent, PersonQuery, PersonRecord
from connectors.registry import load_registry
from portal.record.merge import ChronologyFilter, build_chronology
from portal.record.merge_window import WindowedView, agency_streams, windowed_chronology
from tests.support.sandbox import running_sandbox

CONFIG = Path(__file__).resolve().parent.parent / "config" / "connectors.toml"
PAGE_SIZE = 50
RUNS = 5
EVERYTHING = ChronologyFilter(significant_only=False)


def _people(connectors: list[Connector], chi: str) -> dict[str, list[PersonRecord]]:
    deadline = time.monotonic() + 30
    return {c.agency: [p for p in c.find_people(PersonQuery(chi=chi), deadline=deadline) if p.chi == chi]
            for c in connectors}


POOL = ThreadPoolExecutor(max_workers=16)  # the view's fan-out pool stands in here


def _windowed(connectors: list[Connector], people: dict[str, list[PersonRecord]], page: int) -> WindowedView:
    agencies = [agency_streams(c, people[c.agency], c.categories) for c in connectors]
    return windowed_chronology(agencies, EVERYTHING, page=page, page_size=PAGE_SIZE, deadline=time.monotonic() + 30,
                               executor=POOL)


def _fetch_all(connectors: list[Connector], people: dict[str, list[PersonRecord]], page: int) -> int:
    deadline = time.monotonic() + 30

    def events(c: Connector) -> list[ChronologyEvent]:
        return [e for p in people[c.agency] for e in c.fetch_records(p, c.categories, deadline=deadline).events]

    sources = list(POOL.map(events, connectors))  # agencies in parallel, as the view gathers
    build_chronology(sources, EVERYTHING, page=page, page_size=PAGE_SIZE)
    return sum(map(len, sources))


def _median_ms(call) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, running_sandbox(Path(folder)) as sandbox:
        registry = load_registry(CONFIG, sandbox.env)
        connectors = list(registry.connectors)
        large = sandbox.child("large")
        others = [c for c in sandbox.cohort if "large" not in c["tags"]]
        ordinary = max(others[:40], key=lambda c: sum(bool(v) for v in _people(connectors, c["chi"]).values()))
        print(f"page size {PAGE_SIZE}; median of {RUNS} runs; every source's first window asked for at once")
        print(f"{'child':<10} {'read':<10} {'page':>4} {'ms':>8}  items sent per agency (requests)")
        for label, child in (("ordinary", ordinary), ("large", large)):
            people = _people(connectors, child["chi"])
            for page in (1, 2, 40):
                view = _windowed(connectors, people, page)
                ms = _median_ms(partial(_windowed, connectors, people, page))
                sent: Counter[str] = Counter()
                asked: Counter[str] = Counter()
                for stats in view.stats:
                    sent[stats.agency] += stats.items_sent
                    asked[stats.agency] += stats.requests
                detail = ", ".join(f"{a} {sent[a]} ({asked[a]})" for a in sent)
                print(f"{label:<10} {'windows':<10} {view.page.number:>4} {ms:>8.0f}  {detail}")
            total = _fetch_all(connectors, people, 1)
            ms = _median_ms(partial(_fetch_all, connectors, people, 1))
            print(f"{label:<10} {'fetch-all':<10} {1:>4} {ms:>8.0f}  {total} events in all")
        for connector in connectors:
            connector.close()


if __name__ == "__main__":
    main()
