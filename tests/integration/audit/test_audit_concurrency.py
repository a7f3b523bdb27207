"""Several OS processes writing at once still produce one gapless chain that verifies,
with exactly one committed entry per successful write."""

from __future__ import annotations

import multiprocessing
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from portal.audit import AuditInput, AuditWriter, EventType, verify_chain
from portal.audit.models import audit_entries

PROCESSES = 4
WRITES_PER_PROCESS = 50
JOIN_TIMEOUT_S = 120  # generous: only a hang should ever reach it


def _write_entries(store, worker: int, writes: int, start, results) -> None:  # type: ignore[no-untyped-def]
    """Runs in a child process: its own engine, wait for the others, then write as fast as possible."""
    engine = store.new_engine()
    writer = AuditWriter(engine)
    start.wait(30)
    sequences = []
    try:
        for n in range(writes):
            entry = AuditInput(event_type=EventType.VIEW_CHILD, user_id=f"worker-{worker}", details={"n": n})
            if n % 10 == 9:  # now and then a search result page: several entries in one transaction
                sequences += [e.sequence for e in writer.record_many([entry, entry])]
            else:
                sequences.append(writer.record(entry).sequence)
    except Exception as error:  # report rather than die, so the test fails at once with the reason
        results.put((worker, f"{type(error).__name__}: {error}"))
        return
    finally:
        engine.dispose()
    results.put((worker, sequences))


def _run_writers(store, writes: int) -> dict[int, list[int]]:  # type: ignore[no-untyped-def]
    store.engine.dispose()  # no pooled connection may cross a fork
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_write_entries, args=(store, index, writes, start, results))
        for index in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    start.set()
    collected = {}
    try:
        for _ in workers:
            worker, sequences = results.get(timeout=JOIN_TIMEOUT_S)
            assert isinstance(sequences, list), f"writer {worker} failed: {sequences}"
            collected[worker] = sequences
    except queue.Empty:
        pytest.fail("a writer process hung or died")
    for process in workers:
        process.join(JOIN_TIMEOUT_S)
        assert process.exitcode == 0
    return collected


def _assert_one_gapless_chain(store, collected: dict[int, list[int]], writes: int) -> None:  # type: ignore[no-untyped-def]
    per_worker = writes + writes // 10  # every tenth write was a pair
    assert all(len(sequences) == per_worker for sequences in collected.values())
    returned = sorted(sequence for sequences in collected.values() for sequence in sequences)
    assert returned == list(range(1, PROCESSES * per_worker + 1))  # no duplicates, no gaps, nothing lost
    with store.engine.connect() as connection:
        stored = connection.execute(select(audit_entries.c.sequence, audit_entries.c.user_id)).all()
    owners = {sequence: user for sequence, user in stored}
    for worker, sequences in collected.items():
        assert {owners[sequence] for sequence in sequences} == {f"worker-{worker}"}
    result = verify_chain(store.engine)
    assert result.ok, result.problem
    assert result.entries_checked == len(returned)


def test_concurrent_processes_keep_one_gapless_chain(store) -> None:  # type: ignore[no-untyped-def]
    collected = _run_writers(store, writes=WRITES_PER_PROCESS)
    _assert_one_gapless_chain(store, collected, writes=WRITES_PER_PROCESS)


def test_threads_sharing_one_writer_keep_one_gapless_chain(store) -> None:  # type: ignore[no-untyped-def]
    """Waitress serves each request on a thread: one process, one engine, one writer, many threads."""
    writer = AuditWriter(store.engine)
    threads, writes = 6, 20
    barrier = threading.Barrier(threads)

    def write(worker: int) -> list[int]:
        barrier.wait(30)
        return [
            writer.record(AuditInput(event_type=EventType.SEARCH, user_id=f"thread-{worker}")).sequence
            for _ in range(writes)
        ]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        returned = sorted(s for sequences in pool.map(write, range(threads)) for s in sequences)

    assert returned == list(range(1, threads * writes + 1))
    result = verify_chain(store.engine)
    assert result.ok and result.entries_checked == threads * writes
