"""Unbound extension objects, bound to an app in `create_app` via `init_app`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool


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


def make_engine(url: str, pool_size: int = 5, max_overflow: int = 10, pool_timeout: float = 30.0) -> Engine:
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
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, **pool)


db = Database("DATABASE_URL")
audit_db = Database("AUDIT_DATABASE_URL")
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
# Storage, strategy and prefix come from app config (portal.ratelimits.init_rate_limits).
limiter = Limiter(key_func=get_remote_address)
