"""Benchmark: audit appends from N threads sharing one writer, as one portal worker's request threads do.
(Not a test; prints a table.)

    .venv/bin/python -m bench.audit_write                        # PostgreSQL, 1, 8 and 32 threads
    .venv/bin/python -m bench.audit_write --threads 32 --writes 960

Every row gets a fresh, migrated PostgreSQL database (dropped afterwards); the threads share one
engine built by `portal.extensions.make_engine` with the production pool (DB_POOL_SIZE 10 + 5
overflow) and one `AuditWriter`, start together and append realistic view entries (the entry of
`bench.audit_load`) as fast as they can, beside `--busy` threads doing pure-Python work (a stand-in
for the worker's other threads rendering pages: the appender holding the chain lock must win the
GIL back after every round trip). Columns: appends per second over the wall time, each
append's latency (p50/p95), and what went over the wire per append: statements, BEGIN/COMMIT
and pool pings, counted from SQLAlchemy events and psycopg's transaction status (so a BEGIN or
COMMIT psycopg skips is not counted). `bench.audit_load` measures separate processes instead.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, event

from bench.audit_load import _entry, _percentile, postgres_store
from bench.table import print_columns
from portal.audit import AuditWriter, verify_chain
from portal.extensions import make_engine

POOL = (10, 5, 300.0)  # the production pool per worker; a long timeout so waiting shows as latency, not errors
START_TIMEOUT_S = 60


class WireCounter:
    """Counts client/server round trips on one engine: statements, BEGIN, COMMIT/ROLLBACK and pool pings."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self.counts = {"statements": 0, "begin": 0, "end": 0, "ping": 0}
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)
        event.listen(engine.pool, "reset", self._reset)
        dialect = engine.dialect
        ping = dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self._add("ping")
            return ping(dbapi_connection)

        dialect.do_ping = counted_ping  # type: ignore[method-assign]

    def _add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counts[name] += n

    def _statement(self, conn: Any, *_args: Any) -> None:
        raw = conn.connection.dbapi_connection
        if not raw.autocommit and raw.info.transaction_status == TransactionStatus.IDLE:
            self._add("begin")  # psycopg sends BEGIN before the first statement of a transaction
        self._add("statements")

    def _end(self, conn: Any) -> None:
        if conn.connection.dbapi_connection.info.transaction_status != TransactionStatus.IDLE:
            self._add("end")

    def _reset(self, dbapi_connection: Any, _record: Any, _state: Any = None) -> None:
        if dbapi_connection.info.transaction_status != TransactionStatus.IDLE:
            self._add("end")  # rollback-on-return of a connection left in a transaction

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)


@dataclass(frozen=True)
class Row:
    threads: int
    busy: int
    appends: int
    per_second: float
    p50_ms: float
    p95_ms: float
    wire: dict[str, float]
    verified: bool


def _spin(stop: threading.Event) -> None:
    """Pure-Python work holding the GIL, as page rendering does on the other request threads of a worker."""
    while not stop.is_set():
        sum(len(str(n)) for n in range(2000))


def measure(url: str, threads: int, writes: int, busy: int) -> Row:
    """`threads` threads append `writes` entries each through one shared writer on the store at `url`,
    while `busy` other threads keep the GIL busy."""
    engine = make_engine(url, *POOL)
    writer = AuditWriter(engine)
    warmed, go = threading.Barrier(threads + 1), threading.Barrier(threads + 1)
    stop_busy = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures: list[str] = []

    def work(index: int) -> None:
        try:
            writer.record(_entry(index, -1))  # connect and warm up outside the measured window
            warmed.wait(START_TIMEOUT_S)
            go.wait(START_TIMEOUT_S)
            for n in range(writes):
                began = time.perf_counter()
                writer.record(_entry(index, n))
                latencies[index].append((time.perf_counter() - began) * 1000)
        except Exception as error:  # report rather than hang the others
            failures.append(f"{type(error).__name__}: {error}")
            warmed.abort()
            go.abort()

    try:
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        warmed.wait(START_TIMEOUT_S)
        counter = WireCounter(engine)  # from here on: the measured appends only
        spinners = [threading.Thread(target=_spin, args=(stop_busy,)) for _ in range(busy)]
        for spinner in spinners:
            spinner.start()
        go.wait(START_TIMEOUT_S)
        began = time.perf_counter()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - began
        stop_busy.set()
        for spinner in spinners:
            spinner.join()
        if failures:
            raise RuntimeError(f"writers failed: {sorted(set(failures))}")
        counts = counter.snapshot()
        event.remove(engine, "before_cursor_execute", counter._statement)
        result = verify_chain(engine)
    finally:
        engine.dispose()
    every = [ms for per_thread in latencies for ms in per_thread]
    wire = {name: count / len(every) for name, count in counts.items()}
    return Row(threads, busy, len(every), len(every) / elapsed, statistics.median(every), _percentile(every, 0.95),
               wire, result.ok and result.entries_checked == len(every) + threads)


def print_table(rows: Sequence[Row]) -> None:
    header = ("threads", "busy", "appends", "appends/s", "p50 ms", "p95 ms", "stmts", "begin", "commit", "ping",
              "trips/append", "chain")
    lines = [header] + [
        (str(r.threads), str(r.busy), str(r.appends), f"{r.per_second:.0f}", f"{r.p50_ms:.1f}", f"{r.p95_ms:.1f}",
         f"{r.wire['statements']:.2f}", f"{r.wire['begin']:.2f}", f"{r.wire['end']:.2f}", f"{r.wire['ping']:.2f}",
         f"{sum(r.wire.values()):.2f}", "ok" if r.verified else "BROKEN")
        for r in rows
    ]
    print_columns(lines)
    print("per append: stmts = statements sent, begin/commit = BEGIN and COMMIT/ROLLBACK sent, ping = pool pings")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,8,32", help="comma-separated thread counts")
    parser.add_argument("--busy", default="0,4", help="comma-separated counts of GIL-busy threads beside them")
    parser.add_argument("--writes", type=int, default=640, help="appends per row, split over its threads (<=20000)")
    args = parser.parse_args(argv)
    total = max(1, min(args.writes, 20000))
    rows = []
    for busy in (int(n) for n in args.busy.split(",")):
        for threads in (int(n) for n in args.threads.split(",")):
            with postgres_store() as url:  # a fresh, empty database for every row
                rows.append(measure(url, threads, max(1, total // threads), busy))
    print_table(rows)
    return 0 if all(row.verified for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
