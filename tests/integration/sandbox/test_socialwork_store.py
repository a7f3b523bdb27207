"""The social work case system on SQLite and PostgreSQL, with a read-only reporting role."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from sandbox.cohort import Cohort
from sandbox.stores.socialwork import TABLES, create_postgres, create_sqlite, drop_postgres_schema, libpq_url

PG_URL = os.environ.get("SANDBOX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def test_libpq_url_strips_the_sqlalchemy_driver() -> None:
    assert libpq_url("postgresql+psycopg://u@h:5432/db") == "postgresql://u@h:5432/db"
    assert libpq_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_sqlite_store_has_every_table_in_the_contract(cohort: Cohort, tmp_path: Path) -> None:
    import sqlite3

    create_sqlite(tmp_path / "sw.db", cohort.socialwork)
    conn = sqlite3.connect(str(tmp_path / "sw.db"))
    try:
        for table, columns in TABLES.items():
            names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            assert names == [c for c, _ in columns]
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == len(cohort.socialwork[table])
    finally:
        conn.close()


@pytest.fixture
def pg_schema(cohort: Cohort):
    schema = f"sw_test_{uuid.uuid4().hex[:10]}"
    try:
        create_postgres(PG_URL, cohort.socialwork, schema=schema)
    except psycopg.OperationalError as exc:  # pragma: no cover - depends on the machine
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield schema
    drop_postgres_schema(PG_URL, schema)


@pytest.mark.postgres
def test_postgres_store_holds_the_same_rows(cohort: Cohort, pg_schema: str) -> None:
    with psycopg.connect(libpq_url(PG_URL)) as conn:
        for table in TABLES:
            n = conn.execute(f"SELECT COUNT(*) FROM {pg_schema}.{table}").fetchone()[0]
            assert n == len(cohort.socialwork[table]), table
        sealed = conn.execute(f"SELECT COUNT(*) FROM {pg_schema}.significant_events WHERE sealed = 1").fetchone()[0]
        assert sealed >= 1


@pytest.mark.postgres
def test_reader_role_can_select_but_not_write(pg_schema: str) -> None:
    reader_url = libpq_url(PG_URL).replace("postgres@", "portal_reader@", 1)
    with psycopg.connect(reader_url) as conn:
        assert conn.execute(f"SELECT COUNT(*) FROM {pg_schema}.people").fetchone()[0] > 0
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(f"INSERT INTO {pg_schema}.case_notes (note_id, person_id, note_date, summary, "
                         "security_label, sealed) VALUES ('x', 'y', '2026-01-01', 'z', 'N', 0)")
        conn.rollback()
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(f"DELETE FROM {pg_schema}.people")
        conn.rollback()
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(f"CREATE TABLE {pg_schema}.sneaky (x int)")


@pytest.mark.postgres
def test_recreating_the_store_is_idempotent(cohort: Cohort, pg_schema: str) -> None:
    create_postgres(PG_URL, cohort.socialwork, schema=pg_schema)  # role exists already: must not fail
    with psycopg.connect(libpq_url(PG_URL)) as conn:
        n = conn.execute(f"SELECT COUNT(*) FROM {pg_schema}.people").fetchone()[0]
        assert n == len(cohort.socialwork["people"])


@pytest.fixture
def pg_database():
    """A throwaway database, so write() can use the real `socialwork` schema without meeting anyone else's."""
    name = f"sw_write_{uuid.uuid4().hex[:10]}"
    admin = libpq_url(PG_URL)
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:  # pragma: no cover - depends on the machine
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.postgres
def test_write_puts_social_work_in_the_socialwork_schema(cohort: Cohort, pg_database: str, tmp_path: Path) -> None:
    from sandbox.cohort import write

    write(cohort, tmp_path, socialwork_url=pg_database)
    assert not (tmp_path / "socialwork.db").exists()
    assert (tmp_path / "health.db").exists()
    reader_url = pg_database.replace("postgres@", "portal_reader@", 1)
    with psycopg.connect(reader_url) as conn:
        n = conn.execute("SELECT COUNT(*) FROM socialwork.people").fetchone()[0]
        assert n == len(cohort.socialwork["people"])
