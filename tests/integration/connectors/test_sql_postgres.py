"""The social work connector on PostgreSQL: a SELECT-only role, statement timeout, refused permissions."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from connectors.errors import TimedOutError, UnauthorisedError
from connectors.models import PersonQuery
from connectors.registry import build_connector
from connectors.sql import SqlConnector
from sandbox.stores.socialwork import create_postgres, drop_postgres_schema, libpq_url
from tests.integration.connectors.sources import demo_table
from tests.integration.connectors.sql_source import ROWS
from tests.support.postgres import ADMIN_URL, require_postgres

pytestmark = pytest.mark.postgres
READER = "portal_reader"


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    require_postgres()
    name = f"sw_conn_{uuid.uuid4().hex[:8]}"
    create_postgres(ADMIN_URL, ROWS, schema=name, reader_role=READER)
    yield name
    drop_postgres_schema(ADMIN_URL, name)


def _connector(schema: str, role: str = READER, **settings: object) -> SqlConnector:
    config = {**demo_table("social_work"), "url": ADMIN_URL.replace("postgres@", f"{role}@", 1), "schema": schema,
              **settings}
    connector = build_connector("social_work", config, {})
    assert isinstance(connector, SqlConnector)
    return connector


def test_reads_through_the_select_only_role(schema: str) -> None:
    connector = _connector(schema)
    try:
        person = connector.find_people(PersonQuery(chi="1503741206"), deadline=time.monotonic() + 10)[0]
        records = connector.fetch_records(person, frozenset({"cp_register", "sw_events"}),
                                          deadline=time.monotonic() + 10)
    finally:
        connector.close()
    assert "Domestic abuse, Neglect" in next(f.value for f in records.facts if f.field == "cp_register")
    assert {e.category for e in records.events} == {"cp_register", "sw_events"}


def test_a_locked_table_times_out_at_the_deadline(schema: str) -> None:
    connector = _connector(schema, statement_timeout=5.0)
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with psycopg.connect(libpq_url(ADMIN_URL)) as conn:
            conn.execute(f"LOCK TABLE {schema}.people IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock, daemon=True)
    holder.start()
    assert locked.wait(5)
    started = time.monotonic()
    try:
        with pytest.raises(TimedOutError):
            connector.find_people(PersonQuery(chi="1503741206"), deadline=started + 0.6)
        assert time.monotonic() - started < 1.2
    finally:
        release.set()
        holder.join()
        connector.close()


def test_a_role_without_select_is_reported_as_unauthorised(schema: str) -> None:
    role = "sw_conn_no_select"
    with psycopg.connect(libpq_url(ADMIN_URL), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")  # can see the tables, may not read them
    connector = _connector(schema, role=role)
    try:
        with pytest.raises(UnauthorisedError, match="refused the portal's database credentials"):
            connector.find_people(PersonQuery(chi="1503741206"), deadline=time.monotonic() + 10)
    finally:
        connector.close()


def test_a_query_with_a_literal_percent_and_a_repeated_parameter_reads_as_written(schema: str) -> None:
    # The driver takes `%(name)s` parameters: a `%` the agency wrote must reach PostgreSQL as it is.
    people = {**demo_table("social_work")["people"]}
    people["by_chi"] = ("SELECT person_id, chi, forename, surname, previous_surname, birth_date, sex, postcode "
                        "FROM people WHERE chi = :chi AND chi LIKE '1503%' AND :chi = chi")
    connector = _connector(schema, people=people)
    try:
        found = connector.find_people(PersonQuery(chi="1503741206"), deadline=time.monotonic() + 10)
    finally:
        connector.close()
    assert [p.chi for p in found] == ["1503741206"]
