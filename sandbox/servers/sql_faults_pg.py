"""Social work faults on the PostgreSQL case system.

- `refuse`: the schema is renamed away, so every query the reader makes fails.
  (A real refused TCP connect would mean stopping the shared server, which tests cannot do.)
- `wrong_child` / `malformed`: tables become views, as on SQLite (see sql_views), readable by the reader role.
- `latency`: every table becomes a view that first runs `pg_sleep` (fixed or random) once per query.
- `hang`: a session holds ACCESS EXCLUSIVE locks on every table, so readers block until the fault is
  cleared, the bound passes, or their own statement timeout fires.
"""

from __future__ import annotations

import threading

import psycopg
from psycopg import sql

from sandbox.servers.faults import FaultError, FaultSpec
from sandbox.servers.sql_views import REAL_SUFFIX, is_date_column, malformed_view, wrong_child_view


class PostgresFaults:
    """Applies and clears SQL faults on one PostgreSQL schema."""

    def __init__(self, url: str, schema: str = "socialwork", reader_role: str = "portal_reader") -> None:
        self.url, self.schema, self.reader_role = url, schema, reader_role
        self.refused_schema = schema + "__sandbox_refused"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lock_held = threading.Event()

    def apply(self, spec: FaultSpec | None) -> None:
        """Clear whatever fault is in effect, then put `spec` (if any) into effect."""
        self.clear()
        if spec is None:
            return
        if spec.mode == "refuse":
            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                    sql.Identifier(self.schema), sql.Identifier(self.refused_schema)))
        elif spec.mode in ("wrong_child", "malformed", "latency"):
            self._swap_tables(spec)
        elif spec.mode == "hang":
            self._start_lock(spec)
        else:
            raise FaultError(f"no PostgreSQL equivalent for {spec.mode}")

    def clear(self) -> None:
        """Undo every fault, including leftovers from a process that died mid-fault."""
        self._stop_lock()
        with psycopg.connect(self.url, autocommit=False) as conn:
            if self._schema_exists(conn, self.refused_schema) and not self._schema_exists(conn, self.schema):
                conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                    sql.Identifier(self.refused_schema), sql.Identifier(self.schema)))
            for table in self._tables(conn):
                if table.endswith(REAL_SUFFIX):
                    name = table[: -len(REAL_SUFFIX)]
                    conn.execute(sql.SQL("DROP VIEW IF EXISTS {}.{}").format(
                        sql.Identifier(self.schema), sql.Identifier(name)))
                    conn.execute(sql.SQL("ALTER TABLE {}.{} RENAME TO {}").format(
                        sql.Identifier(self.schema), sql.Identifier(table), sql.Identifier(name)))
            conn.commit()

    @staticmethod
    def _schema_exists(conn: psycopg.Connection, schema: str) -> bool:
        row = conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)).fetchone()
        return row is not None

    def _tables(self, conn: psycopg.Connection) -> list[str]:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE' "
            "ORDER BY table_name", (self.schema,)).fetchall()
        return [r[0] for r in rows]

    def _columns(self, conn: psycopg.Connection, table: str) -> list[str]:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position", (self.schema, table)).fetchall()
        return [r[0] for r in rows]

    def _swap_tables(self, spec: FaultSpec) -> None:
        schema = self.schema
        with psycopg.connect(self.url, autocommit=False) as conn:
            for table in self._tables(conn):
                columns = self._columns(conn, table)
                view = self._view_sql(spec, table, columns)
                if view is None:
                    continue
                conn.execute(sql.SQL("ALTER TABLE {}.{} RENAME TO {}").format(
                    sql.Identifier(schema), sql.Identifier(table), sql.Identifier(table + REAL_SUFFIX)))
                conn.execute(sql.SQL(view))  # identifiers come from the catalogue, not from a request
                if self._role_exists(conn):
                    conn.execute(sql.SQL("GRANT SELECT ON {}.{} TO {}").format(
                        sql.Identifier(schema), sql.Identifier(table), sql.Identifier(self.reader_role)))
            conn.commit()

    def _view_sql(self, spec: FaultSpec, table: str, columns: list[str]) -> str | None:
        qualified, real = f"{self.schema}.{table}", f"{self.schema}.{table}{REAL_SUFFIX}"
        if spec.mode == "wrong_child":
            if table == "people" or "person_id" not in columns:
                return None
            return wrong_child_view(qualified, real, f"{self.schema}.people", columns, spec.subject_id)
        if spec.mode == "malformed":
            return malformed_view(qualified, real, columns) if any(is_date_column(c) for c in columns) else None
        if spec.is_random_latency:
            low, high = (spec.latency_min_ms or 0) / 1000, (spec.latency_max_ms or 0) / 1000
            delay = f"{low} + random() * {high - low}"
        else:
            delay = str((spec.latency_ms or 0) / 1000)
        # An uncorrelated scalar subquery runs once per query, even when no rows match.
        return f"CREATE VIEW {qualified} AS SELECT * FROM {real} WHERE (SELECT pg_sleep({delay})) IS NOT NULL"

    def _role_exists(self, conn: psycopg.Connection) -> bool:
        return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (self.reader_role,)).fetchone() is not None

    def _start_lock(self, spec: FaultSpec) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._hold_locks, args=(spec.hang_seconds, self._stop), daemon=True)
        self._thread.start()
        if not self.lock_held.wait(10):
            raise FaultError("could not lock the social work tables")

    def _hold_locks(self, seconds: float, stop: threading.Event) -> None:
        with psycopg.connect(self.url, autocommit=False) as conn:
            tables = self._tables(conn)
            targets = sql.SQL(", ").join(sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(t))
                                         for t in tables)
            conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(targets))
            self.lock_held.set()
            try:
                stop.wait(seconds)
            finally:
                self.lock_held.clear()
                conn.rollback()

    def _stop_lock(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=10)
            self._thread = None
