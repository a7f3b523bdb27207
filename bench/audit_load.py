"""Benchmark: audit write throughput and latency with 1, 4 and 8 writer processes, and chain verify time.
(Not a test.)

    .venv/bin/python -m bench.audit_load                          # SQLite and PostgreSQL (if reachable)
    .venv/bin/python -m bench.audit_load --backends sqlite --writes 50

Each writer is a separate OS process with its own engine, as separate portal processes
would be; all start together and append realistic view entries (sources, ids, labels)
as fast as they can. The table shows entries per second over the wall time, each
write's commit latency (p50/p95), and how long `verify_chain` takes over the result.
Entries carry made-up identifiers only; nothing personal is written or printed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine

from bench.table import print_columns
from portal.audit import AuditInput, AuditWriter, EventType, SourceAudit, hash_session_id, verify_chain
from portal.audit.store import upgrade_audit_engine
from portal.extensions import make_engine

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MADE_UP_CHIS = ("0101201234", "1502191235", "2803181236", "0907171237")  # valid format, nobody's
WORKER_TIMEOUT_S = 300  # only a hang reaches it


@dataclass(frozen=True)
class Row:
    backend: str
    writers: int
    entries: int
    per_second: float
    p50_ms: float
    p95_ms: float
    verify_ms: float
    verified: bool


def _entry(worker: int, n: int) -> AuditInput:
    return AuditInput(
        event_type=EventType.VIEW_CHILD, user_id=f"bench-{worker}", user_role="lead_professional",
        organisation="social_work: Bench Council", team="Bench team", session_hash=hash_session_id(f"s{worker}"),
        client_address="127.0.0.1", user_agent="bench/1", subject_chi=MADE_UP_CHIS[n % len(MADE_UP_CHIS)],
        purpose_code="child_protection", purpose_of_use="COC", relationship_basis="team_around_child",
        agreements=("ISP-BENCH-1",),
        sources=(SourceAudit("health", "answered", elapsed_ms=40, item_count=6,
                             record_ids=tuple(f"enc-{n}-{i}" for i in range(6)), security_labels=("N", "R")),
                 SourceAudit("police", "no_record", elapsed_ms=25)),
        details={"page": 1, "filtered": {}},
    )


def _write(url: str, worker: int, writes: int, start, results) -> None:  # type: ignore[no-untyped-def]
    """In a child process: wait for the others, append `writes` entries, report each commit's latency."""
    engine = make_engine(url)
    writer = AuditWriter(engine)
    latencies = []
    try:
        writer.record(_entry(worker, -1))  # connect and warm up outside the measured window
        start.wait(WORKER_TIMEOUT_S)
        for n in range(writes):
            began = time.perf_counter()
            writer.record(_entry(worker, n))
            latencies.append((time.perf_counter() - began) * 1000)
        results.put((worker, latencies, time.perf_counter()))  # CLOCK_MONOTONIC: comparable across processes
    except Exception as error:  # report rather than hang the parent
        results.put((worker, f"{type(error).__name__}", time.perf_counter()))
    finally:
        engine.dispose()


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(backend: str, url: str, writers: int, writes: int) -> Row:
    """Run `writers` processes of `writes` appends each against the empty store at `url`."""
    context = multiprocessing.get_context("spawn" if os.name != "posix" else "fork")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=_write, args=(url, w, writes, start, results)) for w in range(writers)]
    for process in processes:
        process.start()
    time.sleep(1.0)  # let every writer connect and warm up
    began = time.perf_counter()
    start.set()
    latencies: list[float] = []
    finished = began
    for _ in processes:
        worker, measured, ended = results.get(timeout=WORKER_TIMEOUT_S)
        if not isinstance(measured, list):
            raise RuntimeError(f"writer {worker} failed: {measured}")
        latencies += measured
        finished = max(finished, ended)
    for process in processes:
        process.join(WORKER_TIMEOUT_S)
    engine = make_engine(url)
    try:
        verify_began = time.perf_counter()
        result = verify_chain(engine)
        verify_ms = (time.perf_counter() - verify_began) * 1000
    finally:
        engine.dispose()
    return Row(backend, writers, result.entries_checked, len(latencies) / (finished - began),
               statistics.median(latencies), _percentile(latencies, 0.95), verify_ms, result.ok)


@contextmanager
def sqlite_store() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'audit.db'}"
        engine = make_engine(url)
        upgrade_audit_engine(engine)
        engine.dispose()
        yield url


@contextmanager
def postgres_store() -> Iterator[str]:
    name = f"audit_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(url)
        upgrade_audit_engine(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


STORES = {"sqlite": sqlite_store, "postgresql": postgres_store}


def print_table(rows: Sequence[Row]) -> None:
    header = ("backend", "writers", "entries*", "entries/s", "p50 ms", "p95 ms", "verify ms", "chain")
    lines = [header] + [
        (r.backend, str(r.writers), str(r.entries), f"{r.per_second:.0f}", f"{r.p50_ms:.1f}", f"{r.p95_ms:.1f}",
         f"{r.verify_ms:.0f}", "ok" if r.verified else "BROKEN")
        for r in rows
    ]
    print_columns(lines)
    print("* entries in the verified chain: each writer's warm-up entry plus the measured ones")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--writers", default="1,4,8", help="comma-separated writer process counts")
    parser.add_argument("--writes", type=int, default=200, help="appends per writer process (bounded: 1..5000)")
    args = parser.parse_args(argv)
    writes = max(1, min(args.writes, 5000))
    rows = []
    for backend in args.backends.split(","):
        for writers in (int(n) for n in args.writers.split(",")):
            try:
                with STORES[backend]() as url:  # a fresh, empty store for every row
                    rows.append(measure(backend, url, writers, writes))
            except Exception as error:  # e.g. no PostgreSQL here: say so and carry on
                print(f"{backend} with {writers} writers skipped: {type(error).__name__}")
    print_table(rows)
    return 0 if all(row.verified for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
