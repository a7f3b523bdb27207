"""Unbound extension objects, bound to an app in `create_app` via `init_app`."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out (see _ping_when_idle).
IDLE_PING_AFTER_S = 1.0


class Database:
    """One engine and session factory per app; `portal.data` is the only user of `session()`."""

    def __init__(self, config_key: str = "DATABASE_URL") -> None:
        self.config_key = config_key
        self.engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        url = app.config[self.config_key]
        self.engine = make_engine(url, *app.config.get("DB_POOL", ()))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        app.extensions[f"db:{self.config_key}"] = self

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        if self._sessions is None:
            raise RuntimeError("Database used before init_app")
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A pooled connection for single-statement Core reads that need no ORM session (the per-request ones: the
        signed-in user, the access basis). In autocommit: one statement is its own snapshot, and PostgreSQL is sent
        no BEGIN before it nor ROLLBACK after it (three round trips become one). Never use it to write."""
        if self.engine is None:
            raise RuntimeError("Database used before init_app")
        with self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection


def make_engine(url: str, pool_size: int = 5, max_overflow: int = 10, pool_timeout: float = 30.0, *,
                idle_ping_after_s: float = IDLE_PING_AFTER_S) -> Engine:
    """An engine with the pragmas SQLite needs to behave like a real database, and a bounded QueuePool.

    Each request thread holds at most one connection at a time; when none comes free within
    `pool_timeout`, SQLAlchemy raises its TimeoutError and the request gets the 503 "busy" page.
    """
    pool = {"poolclass": QueuePool, "pool_size": pool_size, "max_overflow": max_overflow,
            "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        # QueuePool hands a connection to one thread at a time, so sharing it across threads is safe for a
        # file. An in-memory database (tests only) keeps SQLAlchemy's default: one connection, one database.
        in_memory = make_url(url).database in (None, "", ":memory:")
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                               **({} if in_memory else pool))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        return engine
    # A connect timeout so an unreachable database fails a request quickly (closed) rather than hanging it.
    engine = create_engine(url, connect_args={"connect_timeout": 5}, **pool)
    _ping_when_idle(engine, idle_ping_after_s)
    return engine


def _ping_when_idle(engine: Engine, idle_after_s: float) -> None:
    """Ping a pooled connection on checkout only if it sat idle for longer than `idle_after_s`.

    pool_pre_ping costs a round trip on every checkout, and under load the pool's connections are
    never idle for long. A connection that was idle across a database restart is the one that would
    fail: it is pinged, and a dead one is replaced before anyone uses it. One that dies while in use
    fails that request closed, and SQLAlchemy then replaces every connection pooled before the failure.
    """

    @event.listens_for(engine, "checkin")
    def _note_return(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: object) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at <= idle_after_s:
            return  # just connected, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError("pooled connection lost while idle") from error  # the pool reconnects
            raise


db = Database("DATABASE_URL")
audit_db = Database("AUDIT_DATABASE_URL")
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
# Storage, strategy and prefix come from app config (portal.ratelimits.init_rate_limits).
limiter = Limiter(key_func=get_remote_address)
