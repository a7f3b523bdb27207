"""Social work faults really change what a SQL client sees, on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from sandbox.launcher import SandboxHandle, free_port, start_all
from sandbox.stores.socialwork import create_postgres, drop_postgres_schema
from tests.integration.sandbox.conftest import TEST_ENV, clear_fault, set_fault
from tests.integration.sandbox.stores import social_work_rows
from tests.support.postgres import ADMIN_URL, require_postgres


def read_events(data_dir: Path, person_id: str, timeout: float = 5.0) -> list[tuple[str, str, str]]:
    """What a read-only connector sees: (person_id, title, event_date) of one person's events."""
    conn = sqlite3.connect(f"file:{data_dir / 'socialwork.db'}?mode=ro", uri=True, timeout=timeout)
    try:
        return conn.execute("SELECT person_id, title, event_date FROM significant_events WHERE person_id = ? "
                            "ORDER BY sequence", (person_id,)).fetchall()
    finally:
        conn.close()


def test_sqlite_refuse_makes_the_database_unopenable_until_cleared(faults: SandboxHandle, data_dir: Path) -> None:
    set_fault(faults, "social_work", mode="refuse")
    with pytest.raises(sqlite3.OperationalError):
        read_events(data_dir, "sw1")
    clear_fault(faults, "social_work")
    assert len(read_events(data_dir, "sw1")) == 2


def test_sqlite_wrong_child_serves_another_persons_rows_under_the_asked_id(faults: SandboxHandle,
                                                                          data_dir: Path) -> None:
    set_fault(faults, "social_work", mode="wrong_child")
    rows = read_events(data_dir, "sw1")
    assert rows and {r[0] for r in rows} == {"sw1"} and all(r[1].endswith("of sw2") for r in rows)
    # Mis-filed, not rewritten: each row still says whom it is about, as a real mis-filed record would.
    conn = sqlite3.connect(f"file:{data_dir / 'socialwork.db'}?mode=ro", uri=True)
    try:
        subjects = conn.execute("SELECT DISTINCT subject_person_id FROM significant_events WHERE person_id = 'sw1'")
        assert {r[0] for r in subjects} == {"sw2"}
    finally:
        conn.close()
    clear_fault(faults, "social_work")
    assert all(r[1].endswith("of sw1") for r in read_events(data_dir, "sw1"))


def test_sqlite_malformed_dates_do_not_parse(faults: SandboxHandle, data_dir: Path) -> None:
    set_fault(faults, "social_work", mode="malformed")
    rows = read_events(data_dir, "sw2")
    assert len(rows) == 3
    for _, _, event_date in rows:
        with pytest.raises(ValueError):
            date.fromisoformat(event_date)
    clear_fault(faults, "social_work")
    assert [date.fromisoformat(r[2]).month for r in read_events(data_dir, "sw2")] == [1, 2, 3]


def test_sqlite_latency_delays_reads_and_hang_outlasts_the_client(faults: SandboxHandle, data_dir: Path) -> None:
    set_fault(faults, "social_work", mode="latency", latency_ms=800)
    started = time.monotonic()
    assert len(read_events(data_dir, "sw1", timeout=10)) == 2
    assert time.monotonic() - started >= 0.4  # the lock was held when the fault was acknowledged
    set_fault(faults, "social_work", mode="hang", hang_seconds=20)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        read_events(data_dir, "sw1", timeout=1)
    assert time.monotonic() - started < 5
    clear_fault(faults, "social_work")
    assert len(read_events(data_dir, "sw1", timeout=1)) == 2


def test_fault_from_environment_is_undone_on_shutdown(tmp_path: Path, data_dir: Path) -> None:
    shutil.copy(data_dir / "socialwork.db", tmp_path / "socialwork.db")
    env = {**TEST_ENV, "SANDBOX_SOCIAL_WORK_FAULT": "wrong_child:sw1"}
    with start_all(tmp_path, {"social_work": free_port()}, env, agencies=["social_work"]):
        assert all(r[1].endswith("of sw1") for r in read_events(tmp_path, "sw2"))
    assert all(r[1].endswith("of sw2") for r in read_events(tmp_path, "sw2"))
    conn = sqlite3.connect(tmp_path / "socialwork.db")
    views = conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall()
    conn.close()
    assert views == []


@pytest.fixture
def pg_social_work(tmp_path: Path) -> Iterator[tuple[SandboxHandle, str, str]]:
    require_postgres()
    schema = f"sw_test_{uuid.uuid4().hex[:10]}"
    create_postgres(ADMIN_URL, social_work_rows(), schema=schema)
    env = {**TEST_ENV, "SANDBOX_SOCIAL_WORK_DB_URL": ADMIN_URL, "SANDBOX_SOCIAL_WORK_PG_SCHEMA": schema}
    try:
        with start_all(tmp_path, {"social_work": free_port()}, env, agencies=["social_work"]) as handle:
            yield handle, ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"), schema
    finally:
        drop_postgres_schema(ADMIN_URL, schema)
        drop_postgres_schema(ADMIN_URL, schema + "__sandbox_refused")


def pg_events(url: str, schema: str, person_id: str, timeout_ms: int = 10_000) -> list[tuple[str, str, str]]:
    with psycopg.connect(url, options=f"-c statement_timeout={timeout_ms}") as conn:
        return conn.execute(f"SELECT person_id, title, event_date FROM {schema}.significant_events "
                            "WHERE person_id = %s ORDER BY sequence", (person_id,)).fetchall()


@pytest.mark.postgres
def test_postgres_sql_faults(pg_social_work: tuple[SandboxHandle, str, str]) -> None:
    handle, url, schema = pg_social_work
    set_fault(handle, "social_work", mode="wrong_child")
    rows = pg_events(url, schema, "sw1")
    assert rows and {r[0] for r in rows} == {"sw1"} and all(r[1].endswith("of sw2") for r in rows)
    set_fault(handle, "social_work", mode="malformed")
    with pytest.raises(ValueError):
        date.fromisoformat(pg_events(url, schema, "sw1")[0][2])
    set_fault(handle, "social_work", mode="latency", latency_ms=500)
    started = time.monotonic()
    assert len(pg_events(url, schema, "sw1")) == 2
    assert time.monotonic() - started >= 0.45
    set_fault(handle, "social_work", mode="refuse")
    with pytest.raises(psycopg.errors.UndefinedTable):
        pg_events(url, schema, "sw1")
    set_fault(handle, "social_work", mode="hang", hang_seconds=20)
    with pytest.raises(psycopg.errors.QueryCanceled):
        pg_events(url, schema, "sw1", timeout_ms=1000)
    clear_fault(handle, "social_work")
    assert [r[1] for r in pg_events(url, schema, "sw1", timeout_ms=2000)] == ["event 0 of sw1", "event 1 of sw1"]
