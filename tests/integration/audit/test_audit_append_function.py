"""PostgreSQL appends through `audit_append` in one round trip: the chain it builds is the one `verify`
checks, writers in many threads and processes still form one chain, and a refused append leaves nothing."""

from __future__ import annotations

import multiprocessing
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from portal.audit import AuditInput, AuditUnavailable, AuditWriter, EventType, get_entry, verify_chain
from portal.audit.canonical import entry_hash_of
from portal.audit.models import audit_entries
from portal.audit.writer import CHAIN_LOCK_KEY

pytestmark = pytest.mark.postgres

PROCESSES, THREADS, WRITES = 2, 12, 10
JOIN_TIMEOUT_S = 180  # generous: only a hang should ever reach it


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_entries)).scalar_one())


def test_one_append_is_one_statement_with_no_separate_begin_or_commit(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(pg_store.engine)
    writer.record(make_input(0))  # connect first: connecting sends statements of its own
    sent: list[str] = []
    transactions: list[bool] = []

    def statement(conn, _cursor, sql, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(sql)
        transactions.append(not conn.connection.dbapi_connection.autocommit)  # psycopg would send a BEGIN first

    event.listen(pg_store.engine, "before_cursor_execute", statement)
    try:
        writer.record_many([make_input(1), make_input(2), make_input(3)])
    finally:
        event.remove(pg_store.engine, "before_cursor_execute", statement)

    assert len(sent) == 1 and "audit_append" in sent[0]
    assert transactions == [False]  # autocommit: the call's own commit releases the lock, no COMMIT trip
    assert verify_chain(pg_store.engine).entries_checked == 4


def test_hashes_made_in_the_store_are_the_ones_verify_computes(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    awkward = [
        make_input(1, user_display_name="Siobhán Ó Dónaill", team="Équipe \u00e9 \U0001f600"),
        make_input(2, details={"sequence": 5, "quote": 'a "b" \\ c', "ratio": 0.1, "big": 1e20, "nested": [None]}),
        AuditInput(event_type=EventType.SIGN_OUT),  # nearly every column empty
    ]

    recorded = AuditWriter(pg_store.engine).record_many(awkward)

    for entry in recorded:
        stored = get_entry(pg_store.engine, entry.sequence)
        assert stored == entry
        assert entry_hash_of(stored.as_dict()) == stored.entry_hash
    result = verify_chain(pg_store.engine)
    assert result.ok, result.problem
    assert result.last_hash == recorded[-1].entry_hash


def test_the_function_waits_for_the_same_lock_the_key_names(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    """Another holder of CHAIN_LOCK_KEY blocks the append: with a lock timeout it is refused, not written."""
    waiting = pg_store.new_engine()

    @event.listens_for(waiting, "connect")
    def _short_lock_wait(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        dbapi_connection.commit()

    writer = AuditWriter(waiting)
    try:
        writer.record(make_input(0))
        with pg_store.engine.connect() as holder:
            holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
            with pytest.raises(AuditUnavailable, match="lock timeout"):
                writer.record_many([make_input(1), make_input(2)])
            holder.rollback()  # releases the lock
        assert _count(pg_store.engine) == 1  # the refused batch left no row
        assert writer.record(make_input(3)).sequence == 2  # and the chain goes on where it was
    finally:
        waiting.dispose()
    assert verify_chain(pg_store.engine).ok


def test_a_refused_append_raises_and_leaves_no_partial_batch(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(pg_store.engine)
    writer.record(make_input(0))

    with pytest.raises(AuditUnavailable):  # the third entry's role is longer than its column: the store refuses
        writer.record_many([make_input(1), make_input(2), make_input(3, user_role="r" * 101)])

    assert _count(pg_store.engine) == 1
    assert writer.record(make_input(4)).sequence == 2
    assert verify_chain(pg_store.engine).entries_checked == 2


def test_a_store_without_the_function_fails_closed(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    """A portal started against a store not yet upgraded must refuse to show content, not fall back silently."""
    with pg_store.engine.begin() as owner:
        owner.exec_driver_sql("DROP FUNCTION audit_append(json)")

    with pytest.raises(AuditUnavailable, match="audit_append"):
        AuditWriter(pg_store.engine).record(make_input(0))
    assert _count(pg_store.engine) == 0


def _threads_in_a_process(store, worker: int, results) -> None:  # type: ignore[no-untyped-def]
    """In a child process: THREADS threads share one engine and writer, as a portal worker's request threads do."""
    engine = store.new_engine()
    writer = AuditWriter(engine)
    try:
        def write(thread: int) -> list[int]:
            user = f"p{worker}-t{thread}"
            sequences: list[int] = []
            for n in range(WRITES):
                entry = AuditInput(event_type=EventType.VIEW_CHILD, user_id=user, details={"n": n})
                if n % 5 == 4:  # now and then a search page: several entries in one append
                    sequences += [e.sequence for e in writer.record_many([entry, entry])]
                else:
                    sequences.append(writer.record(entry).sequence)
            return sequences

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            per_thread = dict(zip(range(THREADS), pool.map(write, range(THREADS)), strict=True))
        results.put((worker, per_thread))
    except Exception as error:  # report rather than die, so the test fails at once with the reason
        results.put((worker, f"{type(error).__name__}: {error}"))
    finally:
        engine.dispose()


def test_many_threads_in_two_processes_keep_one_chain_and_lose_nothing(pg_store) -> None:  # type: ignore[no-untyped-def]
    pg_store.engine.dispose()  # no pooled connection may cross a fork
    context = multiprocessing.get_context("fork")
    results: Any = context.Queue()
    workers = [context.Process(target=_threads_in_a_process, args=(pg_store, w, results)) for w in range(PROCESSES)]
    for process in workers:
        process.start()
    collected: dict[str, list[int]] = {}
    try:
        for _ in workers:
            worker, per_thread = results.get(timeout=JOIN_TIMEOUT_S)
            assert isinstance(per_thread, dict), f"process {worker} failed: {per_thread}"
            collected.update({f"p{worker}-t{thread}": sequences for thread, sequences in per_thread.items()})
    except queue.Empty:
        pytest.fail("a writer process hung or died")
    for process in workers:
        process.join(JOIN_TIMEOUT_S)
        assert process.exitcode == 0

    per_thread_count = WRITES + WRITES // 5  # every fifth append was a pair
    total = PROCESSES * THREADS * per_thread_count
    assert sorted(s for sequences in collected.values() for s in sequences) == list(range(1, total + 1))
    with pg_store.engine.connect() as connection:
        owners = dict(connection.execute(select(audit_entries.c.sequence, audit_entries.c.user_id)).all())
    assert len(owners) == total
    for user, sequences in collected.items():  # each writer got back exactly the entries stored as its own
        assert {owners[sequence] for sequence in sequences} == {user}
    result = verify_chain(pg_store.engine)
    assert result.ok, result.problem
    assert result.entries_checked == total


def test_threads_racing_in_one_process_get_distinct_consecutive_sequences(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(pg_store.engine)
    threads = 32
    barrier = threading.Barrier(threads)

    def write(index: int) -> int:
        barrier.wait(60)
        return writer.record(make_input(index)).sequence

    with ThreadPoolExecutor(max_workers=threads) as pool:
        sequences = sorted(pool.map(write, range(threads)))

    assert sequences == list(range(1, threads + 1))
    assert verify_chain(pg_store.engine).entries_checked == threads
