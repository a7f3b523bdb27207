"""How the SQL connector reaches a database: its read-only engine, and read-only transactions bounded in time.

A SQLite file's read-only connections are kept in a pool, each used by one thread at a time and
reopened when the file is replaced; a server database gets a bounded QueuePool. A transaction is bounded by the caller's
deadline: PostgreSQL through `statement_timeout`, SQLite through a busy timeout and a progress
handler. Several queries of one call may share one transaction (`SharedConnection`), each still
bounded by the time it has left.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Dialect, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InvalidRequestError
from sqlalchemy.pool import QueuePool

from connectors.errors import ConfigurationError


def read_only_engine(url: str, connect_timeout: float, pool_size: int = 5, pool_overflow: int = 5) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if not path or path == ":memory:":
            raise ConfigurationError("a SQLite source needs a database file path")
        return _sqlite_engine(path, connect_timeout, pool_size)
    # A server database: a bounded QueuePool shared by the fan-out threads (each checks a connection out
    # for one call); a thread that cannot get one within the query's budget reports the source busy.
    return create_engine(parsed, connect_args={"connect_timeout": max(int(round(connect_timeout)), 1)},
                         pool_pre_ping=True, poolclass=QueuePool, pool_size=pool_size, max_overflow=pool_overflow,
                         pool_timeout=max(connect_timeout, 0.1))


class _FileConnection(sqlite3.Connection):
    """A SQLite connection that remembers which file (device, inode) its path named when it was opened."""

    opened: tuple[int, int] | None = None


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _sqlite_engine(path: str, connect_timeout: float, pool_size: int) -> Engine:
    """Read-only connections to a SQLite file, kept between calls, each used by one thread at a time.

    Opening the file for every call cost more CPU than the queries. A QueuePool hands each connection to one
    thread at a time (so `check_same_thread` may be off: SQLite is only unsafe when two threads use one
    connection at once, which SingletonThreadPool allowed and which crashed the portal under concurrent views).
    Beyond `pool_size` idle connections a thread opens one of its own, closed after use: never a wait. A kept
    connection reads the file it opened, so one whose path now names another file (replaced, renamed away) is
    closed at checkout and the path opened again, as a fresh connection would.
    """

    def connect() -> sqlite3.Connection:
        opened = _file_identity(path)  # before opening: a file swapped in between is caught at the next checkout
        # mode=ro: the file is opened read-only by SQLite itself, whatever the statements say.
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=connect_timeout, check_same_thread=False,
                               factory=_FileConnection)
        conn.opened = opened
        return conn

    engine = create_engine("sqlite://", creator=connect, poolclass=QueuePool, pool_size=pool_size, max_overflow=-1)

    @event.listens_for(engine, "checkout")
    def same_file(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        current = _file_identity(path)
        if current is None or getattr(dbapi_connection, "opened", None) != current:
            raise DisconnectionError("the SQLite file was replaced or removed")  # the pool opens the path again

    return engine


def limit_statements(conn: Connection, budget: float) -> None:
    """Bound the next statements on `conn` to `budget` seconds (SQLite: the wait for a lock)."""
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute(f"PRAGMA busy_timeout = {int(budget * 1000)}")
    else:
        conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(max(int(budget * 1000), 1))})


@contextmanager
def read_only_connection(engine: Engine, deadline: float, budget: float, schema: str | None) -> Iterator[Connection]:
    """A connection in a read-only transaction that ends by `deadline`, rolled back or ended after the block."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            limit_statements(conn, budget)
            # Returning non-zero makes SQLite abandon the statement with "interrupted".
            raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
            try:
                yield conn
            finally:
                raw.set_progress_handler(None, 0)
                conn.rollback()
        else:
            with conn.begin():
                conn.execute(text("SET TRANSACTION READ ONLY"))
                limit_statements(conn, budget)
                if schema:
                    conn.execute(text("SELECT set_config('search_path', :schema, true)"), {"schema": schema})
                yield conn


@dataclass
class SharedConnection:
    """One read-only transaction for the queries of one call, in the calling thread: opened by the first
    query, ended when `stack` closes. Saves a connection (SQLite: a file open) and a transaction per query."""

    stack: ExitStack = field(default_factory=ExitStack)
    conn: Connection | None = None


@functools.lru_cache(maxsize=512)
def _compiled(dialect: Dialect, sql: str) -> tuple[str, tuple[str, ...], bool]:
    """`sql` (with `:name` binds) as the driver takes it, the bind names in order, and whether positional."""
    compiled = text(sql).compile(dialect=dialect)
    names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(compiled.binds)
    return compiled.string, names, bool(dialect.positional)


def run_select(conn: Connection, sql: str, params: Mapping[str, Any], max_rows: int) -> list[dict[str, Any]]:
    """Up to `max_rows` + 1 rows of one SELECT, as dicts, through the driver's cursor on `conn`.

    The statement is compiled once per text (bound parameters always, never interpolated): SQLAlchemy's
    per-execution machinery cost more CPU than the queries themselves. A driver error is raised as
    SQLAlchemy would raise it (DBAPIError, the connection invalidated if it was lost).
    """
    statement, names, positional = _compiled(conn.dialect, sql)
    missing = [name for name in names if name not in params]
    if missing:
        raise InvalidRequestError(f"A value is required for bind parameter {missing[0]!r}")
    values: Any = [params[name] for name in names] if positional else {name: params[name] for name in names}
    fairy = conn.connection
    dbapi = conn.dialect.loaded_dbapi
    cursor = fairy.cursor()
    try:
        cursor.execute(statement, values)
        columns = [column[0] for column in cursor.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchmany(max_rows + 1)]
    except dbapi.Error as e:
        lost = conn.dialect.is_disconnect(e, fairy.dbapi_connection, cursor)
        if lost:
            conn.invalidate()
        raise DBAPIError.instance(statement, values, e, dbapi.Error, connection_invalidated=lost,
                                  dialect=conn.dialect) from e
    finally:
        if not conn.invalidated:
            cursor.close()
