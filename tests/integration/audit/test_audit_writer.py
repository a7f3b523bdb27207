"""The writer: gapless chained entries, committed before it returns, failing closed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.audit import AuditInput, AuditUnavailable, AuditWriter, EventType, get_entry, verify_chain
from portal.audit.canonical import GENESIS_HASH, entry_hash_of
from portal.audit.models import audit_entries


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_entries)).scalar_one())


def test_many_writes_form_a_gapless_chain_that_verifies(store, make_input) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(store.engine)
    recorded = []
    for index in range(60):
        if index % 10 == 0:
            recorded += writer.record_many([make_input(index, event_type=EventType.SEARCH) for _ in range(3)])
        else:
            recorded.append(writer.record(make_input(index)))

    assert [entry.sequence for entry in recorded] == list(range(1, len(recorded) + 1))
    assert recorded[0].prev_hash == GENESIS_HASH
    for before, after in zip(recorded, recorded[1:], strict=False):
        assert after.prev_hash == before.entry_hash
    result = verify_chain(store.engine)
    assert result.ok, result.problem
    assert result.entries_checked == len(recorded) == 6 * 3 + 54
    assert result.last_hash == recorded[-1].entry_hash


def test_returned_entry_is_exactly_what_was_committed(store, make_input) -> None:  # type: ignore[no-untyped-def]
    returned = AuditWriter(store.engine).record(make_input(3, details={"nested": {"b": [1, 2], "a": None}}))

    stored = get_entry(store.engine, returned.sequence)
    assert stored == returned
    assert stored.recorded_at.utcoffset() == timedelta(0)
    assert stored.sources[0]["record_ids"] == ["enc-1", "enc-3"]
    assert stored.sources[1]["status"] == "timed_out"
    assert entry_hash_of(stored.as_dict()) == stored.entry_hash


def test_clock_in_another_timezone_is_stored_as_utc(store, make_input) -> None:  # type: ignore[no-untyped-def]
    edinburgh_summer = datetime.fromisoformat("2026-07-01T09:30:00.250000+01:00")
    entry = AuditWriter(store.engine, clock=lambda: edinburgh_summer).record(make_input(1))

    assert get_entry(store.engine, entry.sequence).recorded_at.isoformat() == "2026-07-01T08:30:00.250000+00:00"
    assert verify_chain(store.engine).ok


def test_a_failing_write_raises_audit_unavailable_and_records_nothing(store, make_input) -> None:  # type: ignore[no-untyped-def]
    naive_clock = datetime(2026, 1, 1)  # no timezone: the store refuses it
    writer = AuditWriter(store.engine, clock=lambda: naive_clock)

    with pytest.raises(AuditUnavailable):
        writer.record_many([make_input(1), make_input(2)])
    assert _count(store.engine) == 0


@pytest.mark.postgres
def test_a_batch_is_all_or_nothing_and_the_error_names_no_child(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(pg_store.engine)
    writer.record(make_input(0))
    too_long_team = "x" * 300  # exceeds the column, so PostgreSQL rejects the second row of the batch

    with pytest.raises(AuditUnavailable) as raised:
        writer.record_many([make_input(1), make_input(2, team=too_long_team), make_input(3)])

    assert _count(pg_store.engine) == 1
    message = str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    for chi in (make_input(1).subject_chi, make_input(2).subject_chi):
        assert chi not in message
    assert writer.record(make_input(4)).sequence == 2  # the failed batch used no sequence numbers


def test_writer_built_before_the_database_is_bound_fails_closed(make_input) -> None:  # type: ignore[no-untyped-def]
    class UnboundDatabase:
        engine = None

    with pytest.raises(AuditUnavailable):
        AuditWriter(UnboundDatabase()).record(make_input(1))


def test_writer_accepts_a_bound_database_object(store, make_input) -> None:  # type: ignore[no-untyped-def]
    class BoundDatabase:
        engine = store.engine

    assert AuditWriter(BoundDatabase()).record(make_input(1)).sequence == 1


def test_input_is_checked_before_anything_is_written() -> None:
    with pytest.raises(ValueError):
        AuditInput(event_type="looked_around")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        AuditInput(event_type=EventType.VIEW_CHILD, outcome=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        AuditInput(event_type=EventType.VIEW_CHILD, subject_chi=101201234)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        AuditInput(event_type=EventType.VIEW_CHILD, details={"when": datetime(2026, 1, 1)})
    with pytest.raises(ValueError):
        AuditInput(event_type=EventType.VIEW_CHILD, break_glass_reason="emergency")


def test_a_hostile_user_agent_is_cleaned_rather_than_blocking_the_view(store) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(store.engine)
    long_one = writer.record(AuditInput(event_type=EventType.SIGN_IN, user_agent="A" * 5000))
    with_nul = writer.record(AuditInput(event_type=EventType.SIGN_IN, user_agent="Evil\x00Agent"))

    assert len(get_entry(store.engine, long_one.sequence).user_agent) == 500
    assert get_entry(store.engine, with_nul.sequence).user_agent == "EvilAgent"  # PostgreSQL text cannot hold NUL
