"""The database's own time for one page: its statements replayed under EXPLAIN ANALYZE. (Bench only.)

Wall times on a shared machine mostly measure the other sessions. This records every
statement a page sends to the audit store, then replays them in order in one transaction
(rolled back), each SELECT, INSERT … SELECT or CREATE TABLE … AS SELECT under `EXPLAIN (ANALYZE, FORMAT JSON)`, other
statements (temporary tables, SET LOCAL) as they were, and adds up PostgreSQL's own
"Execution Time" and "Planning Time". The page's audit record (an INSERT into the trail) is
left out: it is not part of reading.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Collect (statement, parameters) for everything run on `engine` inside the block."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _head(statement: str) -> str:
    return " ".join(statement.split()).upper()


def _reads(statement: str) -> bool:
    head = _head(statement)
    return head.startswith(("SELECT", "WITH")) or (head.startswith(("INSERT", "CREATE")) and "SELECT" in head)


def database_ms(engine: Engine, statements: list[tuple[str, Any]]) -> tuple[float, int]:
    """(milliseconds PostgreSQL spent planning and executing the reads, how many statements were replayed)."""
    total = 0.0
    replayed = 0
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            for statement, parameters in statements:
                if _head(statement).startswith("INSERT INTO AUDIT_ENTRIES"):
                    continue  # the page's own audit record
                if not _reads(statement):
                    cursor.execute(statement, parameters or None)
                    continue
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters or None)
                plan = cursor.fetchone()[0][0]
                total += float(plan["Execution Time"]) + float(plan["Planning Time"])
                replayed += 1
        raw.rollback()
    finally:
        raw.close()
    return total, replayed


def page_database_ms(engine: Engine, fetch: Callable[[], object]) -> tuple[float, int, float]:
    """Fetch a page once, recording its audit-store statements, then replay them under EXPLAIN ANALYZE: (database
    ms, statements replayed, CPU ms of this process for the fetch: the view, Python's share of the queries, the
    template; CPU time, unlike wall time, does not grow while other processes hold the cores)."""
    with recorded_statements(engine) as seen:
        began = time.process_time()
        fetch()
        cpu_ms = (time.process_time() - began) * 1000
    return (*database_ms(engine, seen), cpu_ms)
