"""The social work SQL connector: mapping, read-only access, bound parameters, wrong-child rows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from connectors.errors import ConfigurationError, TimedOutError
from connectors.models import PersonQuery
from connectors.registry import build_connector
from connectors.sql import SqlConnector
from tests.integration.connectors.sql_source import KNOWN_BIRTH_DATE, SqlSource


@pytest.fixture
def source(tmp_path: Path) -> SqlSource:
    return SqlSource(tmp_path / "socialwork.db")


@pytest.fixture
def social_work(source: SqlSource) -> Iterator[SqlConnector]:
    connector = build_connector("social_work", source.config(), {}, on_call=source.on_call)
    assert isinstance(connector, SqlConnector)
    yield connector
    connector.close()


def _soon() -> float:
    return time.monotonic() + 10


def test_key_facts_and_events_come_from_the_configured_queries(social_work: SqlConnector) -> None:
    person = social_work.find_people(PersonQuery(chi="1503741206"), deadline=_soon())[0]
    records = social_work.fetch_records(person, social_work.categories, deadline=_soon())
    facts = {f.field: f for f in records.facts}
    assert facts["cp_register"].value.startswith("Registered since 2025-01-20")
    assert "Domestic abuse, Neglect" in facts["cp_register"].value
    assert facts["lead_professional"].value == "Sam Worker, Social worker"
    assert facts["address"].value == "1 Test Street, EH1 1AA"
    assert facts["do_not_inform"].value.startswith("Dad Fakename") and facts["do_not_inform"].security_label == "R"
    assert [f.value for f in records.facts if f.field == "family_contacts"] == ["Mum Fakename (mother)"]
    titles = {e.title: e for e in records.events}
    assert "Sealed event" not in titles
    assert titles["Case conference"].security_label == "R"
    assert titles["Home visit"].significant is False
    assert titles["Disclosure at school"].shanarri == ("safe", "nurtured")
    assert titles["Placed on the child protection register"].summary == "Areas of concern: Domestic abuse, Neglect."


def test_demographic_search_matches_a_previous_surname(social_work: SqlConnector) -> None:
    people = social_work.find_people(PersonQuery(surname="oldname", birth_date=KNOWN_BIRTH_DATE), deadline=_soon())
    assert [(p.source_id, p.chi, p.previous_surnames) for p in people] == [("p-1", "1503741206", ("Oldname",))]


def test_values_are_bound_never_spliced_into_sql(social_work: SqlConnector) -> None:
    assert social_work.find_people(PersonQuery(chi="1503741206' OR '1'='1"), deadline=_soon()) == []


def test_the_database_is_opened_read_only(social_work: SqlConnector) -> None:
    with social_work.engine.connect() as conn, pytest.raises(Exception, match="readonly"):
        conn.execute(text("DELETE FROM people"))


@pytest.mark.parametrize("statement", ["DELETE FROM people", "SELECT 1; DROP TABLE people", "UPDATE people SET chi=1"])
def test_only_single_select_statements_are_accepted(source: SqlSource, statement: str) -> None:
    config = source.config()
    config["queries"][0]["sql"] = statement
    with pytest.raises(ConfigurationError, match=r"agencies\.social_work\.queries\[0\]\.sql"):
        build_connector("social_work", config, {})


def test_rows_of_another_person_are_dropped_and_counted(source: SqlSource) -> None:
    # A statement that forgets its person filter is exactly how a SQL source leaks another child's rows.
    config = source.config()
    events_query = next(q for q in config["queries"] if q["name"] == "significant_events")
    events_query["sql"] = events_query["sql"].replace("person_id = :person_id AND ", "")
    connector = build_connector("social_work", config, {})
    try:
        person = connector.find_people(PersonQuery(chi="1503741206"), deadline=_soon())[0]
        records = connector.fetch_records(person, frozenset({"sw_events"}), deadline=_soon())
    finally:
        connector.close()
    assert records.dropped_wrong_child == 1
    assert "Other child's event" not in {e.title for e in records.events}
    assert {e.subject_source_id for e in records.events} == {"p-1"}


def test_an_exhausted_deadline_is_reported_as_timed_out(social_work: SqlConnector) -> None:
    with pytest.raises(TimedOutError, match="time allowed had run out"):
        social_work.find_people(PersonQuery(chi="1503741206"), deadline=time.monotonic() - 1)


def test_withheld_rows_raise_a_notice_without_their_content(social_work: SqlConnector) -> None:
    person = social_work.find_people(PersonQuery(chi="1503741206"), deadline=_soon())[0]
    events = social_work.fetch_records(person, frozenset({"sw_events"}), deadline=_soon())
    assert events.restricted_notices == (
        "Social work holds restricted information about this child. Contact the allocated worker.",)
    assert "Sealed event" not in {e.title for e in events.events}
    notes = social_work.fetch_records(person, frozenset({"sw_case_notes"}), deadline=_soon())
    assert notes.restricted_notices == ()  # no case note of this child is sealed


def test_many_threads_reading_the_sqlite_source_at_once_each_get_the_whole_record(social_work: SqlConnector) -> None:
    """More threads than the pool keeps: a connection serves one thread at a time, so none is closed under another.

    With a shared SingletonThreadPool this crashed the interpreter (a connection closed mid-query).
    """
    from concurrent.futures import ThreadPoolExecutor

    person = social_work.find_people(PersonQuery(chi="1503741206"), deadline=_soon())[0]
    expected = social_work.fetch_records(person, social_work.categories, deadline=_soon())

    def read(_: int) -> tuple[int, int]:
        records = social_work.fetch_records(person, social_work.categories, deadline=_soon())
        return len(records.events), len(records.facts)

    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(pool.map(read, range(240)))
    assert set(answers) == {(len(expected.events), len(expected.facts))}
    assert expected.events


def test_a_sqlite_file_replaced_between_calls_is_read_anew(source: SqlSource, social_work: SqlConnector,
                                                           tmp_path: Path) -> None:
    """Connections are kept between calls; one still open on the old file must not answer for the new one."""
    import shutil
    import sqlite3

    person = social_work.find_people(PersonQuery(chi="1503741206"), deadline=_soon())[0]
    before = social_work.fetch_records(person, social_work.categories, deadline=_soon())
    replacement = tmp_path / "replacement.db"
    shutil.copyfile(source.path, replacement)
    with sqlite3.connect(replacement) as conn:
        conn.execute("UPDATE significant_events SET title = 'Retitled in the new file' WHERE event_id = 'se-1'")
    replacement.replace(source.path)  # a new file (inode) under the configured path, as a restore would leave
    after = social_work.fetch_records(person, social_work.categories, deadline=_soon())
    assert "Retitled in the new file" not in {e.title for e in before.events}
    assert "Retitled in the new file" in {e.title for e in after.events}
