"""Social work faults on the SQLite case system: the closest SQL equivalents of the HTTP faults.

- `refuse`: the database file is renamed away, so opening it read-only fails.
- `wrong_child`: person-keyed tables become views returning another person's rows.
- `malformed`: tables with dates become views whose dates are unparseable.
- `latency`: a writer holds an EXCLUSIVE lock for `latency_ms` at a time (short gaps between),
  so readers wait in their busy handler; `hang`: the lock is held without a gap, up to the bound.
  Locks only block readers in rollback-journal mode (the store's default), not WAL.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sandbox.servers.faults import FaultError, FaultSpec
from sandbox.servers.sql_views import REAL_SUFFIX, is_date_column, malformed_view, wrong_child_view

LOCK_GAP_S = 0.15  # longer than SQLite's longest busy-handler sleep (100 ms), so waiting readers get in


class SqliteFaults:
    """Applies and clears SQL faults on one SQLite social work database file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.refused_path = path.with_name(path.name + ".refused")
        self._lock_stop = threading.Event()
        self._lock_thread: threading.Thread | None = None
        self.lock_held = threading.Event()  # set while the lock thread holds the lock (tests wait on it)

    def apply(self, spec: FaultSpec | None) -> None:
        """Clear whatever fault is in effect, then put `spec` (if any) into effect."""
        self.clear()
        if spec is None:
            return
        if spec.mode == "refuse":
            self.path.replace(self.refused_path)
        elif spec.mode in ("wrong_child", "malformed"):
            self._swap_tables(spec)
        elif spec.mode in ("latency", "hang"):
            self._start_lock(spec)
        else:
            raise FaultError(f"no SQLite equivalent for {spec.mode}")

    def clear(self) -> None:
        """Undo every fault, including leftovers from a process that died mid-fault."""
        self._stop_lock()
        if self.refused_path.exists():
            if self.path.exists() and self.path.stat().st_size == 0:
                self.path.unlink()  # an empty file a client created by opening the missing path read-write
            self.refused_path.replace(self.path)
        if not self.path.exists():
            return
        with self._connect() as conn:
            for (real,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
                                        (f"%{REAL_SUFFIX}",)).fetchall():
                table = real[: -len(REAL_SUFFIX)]
                conn.execute(f"DROP VIEW IF EXISTS {table}")
                conn.execute(f"ALTER TABLE {real} RENAME TO {table}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one write transaction (DDL included), committed and closed on exit."""
        conn = sqlite3.connect(str(self.path), timeout=10, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _swap_tables(self, spec: FaultSpec) -> None:
        with self._connect() as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
                real = table + REAL_SUFFIX
                if spec.mode == "wrong_child" and table != "people" and "person_id" in columns:
                    conn.execute(f"ALTER TABLE {table} RENAME TO {real}")
                    conn.execute(wrong_child_view(table, real, "people", columns, spec.subject_id))
                elif spec.mode == "malformed" and any(is_date_column(c) for c in columns):
                    conn.execute(f"ALTER TABLE {table} RENAME TO {real}")
                    conn.execute(malformed_view(table, real, columns))

    def _start_lock(self, spec: FaultSpec) -> None:
        conn = sqlite3.connect(str(self.path))
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                raise FaultError("lock faults need a rollback-journal database, not WAL")
        finally:
            conn.close()
        self._lock_stop = threading.Event()
        self._lock_thread = threading.Thread(target=self._hold_lock, args=(spec, self._lock_stop), daemon=True)
        self._lock_thread.start()
        if not self.lock_held.wait(5):
            raise FaultError("could not take the database lock")

    def _hold_lock(self, spec: FaultSpec, stop: threading.Event) -> None:
        conn = sqlite3.connect(str(self.path), timeout=10, isolation_level=None, check_same_thread=False)
        try:
            if spec.mode == "hang":
                self._hold_once(conn, spec.hang_seconds, stop)
                return
            while not stop.is_set():
                if spec.is_random_latency:
                    hold = random.uniform(spec.latency_min_ms or 0, spec.latency_max_ms or 0) / 1000
                else:
                    hold = (spec.latency_ms or 0) / 1000
                self._hold_once(conn, hold, stop)
                stop.wait(LOCK_GAP_S)  # let waiting readers through before the next hold
        finally:
            conn.close()

    def _hold_once(self, conn: sqlite3.Connection, seconds: float, stop: threading.Event) -> None:
        conn.execute("BEGIN EXCLUSIVE")
        self.lock_held.set()
        try:
            stop.wait(seconds)
        finally:
            self.lock_held.clear()
            conn.execute("COMMIT")

    def _stop_lock(self) -> None:
        if self._lock_thread is not None:
            self._lock_stop.set()
            self._lock_thread.join(timeout=10)
            self._lock_thread = None
