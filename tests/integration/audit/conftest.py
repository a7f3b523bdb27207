"""Fixtures: a freshly migrated audit store on SQLite and on PostgreSQL (a unique schema per test).

PostgreSQL tests are marked `postgres`; they are skipped when no server answers,
unless CI is set, where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, text

from portal.audit import AuditInput, EventType, SourceAudit, hash_session_id, triggers
from portal.audit.models import WRITER_ROLE
from portal.audit.store import upgrade_audit_engine
from portal.extensions import make_engine

# Made-up CHIs (valid format only) for five children.
SAMPLE_CHIS = ("0101201234", "1502191235", "2803181236", "0907171237", "3112161238")
PG_URL = os.environ.get("AUDIT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class AuditStore:
    """A migrated, empty audit store and what a test needs to attack or reconnect to it."""

    engine: Engine
    dialect: str
    url: str
    schema: str | None = None
    path: Path | None = None

    def new_engine(self, *, role: str | None = None) -> Engine:
        """Another engine on the same store (for a worker process, or connecting as another role)."""
        if self.dialect == "sqlite":
            return make_engine(self.url)
        return pg_engine(self.schema, role=role)

    @contextmanager
    def as_attacker(self) -> Iterator[Connection]:
        """A transaction with the append-only triggers switched off, as someone with DBA rights could;
        rolled back afterwards so each test can tamper many times with the same chain."""
        with self.engine.connect() as connection:
            if self.dialect == "sqlite":
                connection.exec_driver_sql("BEGIN")  # DDL must be inside the transaction to be undone
                for statement in triggers.sqlite_drop_append_only_ddl():
                    connection.exec_driver_sql(statement)
            else:
                connection.exec_driver_sql("ALTER TABLE audit_entries DISABLE TRIGGER USER")
            try:
                yield connection
            finally:
                connection.rollback()


def pg_engine(schema: str | None, *, role: str | None = None) -> Engine:
    engine = create_engine(PG_URL, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _session_setup(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cursor:
            if schema:
                cursor.execute(f"SET search_path TO {schema}")
            if role:
                cursor.execute(f"SET ROLE {role}")
        dbapi_connection.commit()

    return engine


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    available = _postgres_reachable()
    if not available and os.environ.get("CI"):
        pytest.fail("PostgreSQL is required when CI is set")
    return available


@contextmanager
def _sqlite_store(tmp_path: Path) -> Iterator[AuditStore]:
    path = tmp_path / "audit.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade_audit_engine(engine)
    try:
        yield AuditStore(engine=engine, dialect="sqlite", url=url, path=path)
    finally:
        engine.dispose()


@contextmanager
def _postgres_store() -> Iterator[AuditStore]:
    schema = f"audit_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = pg_engine(schema)
    try:
        upgrade_audit_engine(engine)
        yield AuditStore(engine=engine, dialect="postgresql", url=PG_URL, schema=schema)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            # Privileges the shared role holds on objects in the schema go with it; USAGE on it too.
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditStore]:
    """An empty, migrated audit store, once per dialect."""
    if request.param == "sqlite":
        with _sqlite_store(tmp_path) as sqlite_store:
            yield sqlite_store
        return
    if not request.getfixturevalue("postgres_available"):
        pytest.skip("PostgreSQL not reachable")
    with _postgres_store() as pg_store:
        yield pg_store


@pytest.fixture
def pg_store(postgres_available: bool) -> Iterator[AuditStore]:
    """An empty, migrated PostgreSQL audit store (for PostgreSQL-only behaviour)."""
    if not postgres_available:
        pytest.skip("PostgreSQL not reachable")
    with _postgres_store() as created:
        yield created


def role_exists(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": WRITER_ROLE}).first())


def sample_input(index: int, **overrides: object) -> AuditInput:
    """A realistic, varied entry: a practitioner viewing one of a few children, with two sources."""
    chi = SAMPLE_CHIS[index % len(SAMPLE_CHIS)]
    values: dict[str, object] = {
        "event_type": EventType.VIEW_CHILD,
        "user_id": f"user-{index % 4}",
        "user_display_name": f"Practitioner {index % 4}",
        "user_role": "health_visitor",
        "organisation": "NHS Glenmorven" if index % 2 else "City of Edinburgh Council",
        "team": "Health visiting",
        "session_hash": hash_session_id(f"session-{index % 7}"),
        "client_address": "10.0.0.5",
        "user_agent": "Mozilla/5.0 (test)",
        "subject_chi": chi,
        "purpose_code": "wellbeing_planning",
        "purpose_of_use": "COC",
        "relationship_basis": "named person for child",
        "agreements": ("ISP-LOTHIAN-2024",),
        "sources": (
            SourceAudit(
                "health",
                "answered",
                elapsed_ms=120 + index,
                item_count=3,
                record_ids=("enc-1", f"enc-{index}"),
                security_labels=("N", "R"),
            ),
            SourceAudit("police", "timed_out", elapsed_ms=3000, reason="no answer within 3 s"),
        ),
        "details": {"view": "kis", "page": index % 3},
    }
    values.update(overrides)
    return AuditInput(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_input():  # type: ignore[no-untyped-def]
    """`make_input(i, **overrides)` builds a sample entry."""
    return sample_input
