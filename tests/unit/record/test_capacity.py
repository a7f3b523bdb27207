"""The worker's fan-out pool: all-or-nothing admission within a bounded queue, and nested reads that cannot deadlock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from connectors.base import run_concurrently
from connectors.models import SourceState
from portal.record.fan_out import Failure, fan_out, fan_out_as_answered
from portal.record.pool import FanoutExecutor, Load, Saturated

WAIT_S = 10  # only a hang reaches it


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Calls that wait on this gate hold their place in the pool until the test opens it."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def pool() -> Iterator[FanoutExecutor]:
    executor = FanoutExecutor(threads=2, queue_limit=1, retry_after_s=7)
    yield executor
    executor.shutdown(wait=True)


def _held(gate: threading.Event) -> Callable[[], str]:
    def call() -> str:
        gate.wait(WAIT_S)
        return "done"
    return call


def _wait_for(pool: FanoutExecutor, load: Load) -> None:
    deadline = time.monotonic() + WAIT_S
    while pool.load() != load and time.monotonic() < deadline:
        time.sleep(0.005)
    assert pool.load() == load


def _drained(pool: FanoutExecutor) -> None:
    """Every call finished and its place given back (the release runs just after the call returns)."""
    _wait_for(pool, Load(running=0, waiting=0))
    deadline = time.monotonic() + WAIT_S
    while pool.admitted() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert pool.admitted() == 0


def test_a_view_whose_calls_do_not_all_fit_is_refused_and_nothing_of_it_starts(pool, gate) -> None:  # type: ignore[no-untyped-def]
    pool.submit_all([_held(gate), _held(gate)])
    _wait_for(pool, Load(running=2, waiting=0))
    started: list[str] = []
    with pytest.raises(Saturated) as refused:
        pool.submit_all([lambda: started.append("a"), lambda: started.append("b")])
    assert refused.value.retry_after_s == 7
    assert pool.load() == Load(running=2, waiting=0)
    # One more call fits in the queue of one; it waits, then runs when a thread comes free.
    queued = pool.submit_all([lambda: started.append("c")])
    assert pool.load() == Load(running=2, waiting=1)
    gate.set()
    queued[0].result(timeout=WAIT_S)
    assert started == ["c"]
    _drained(pool)
    assert [f.result(timeout=WAIT_S) for f in pool.submit_all([lambda: "x"] * 3)] == ["x", "x", "x"]


def test_a_cancelled_call_gives_its_place_back(pool, gate) -> None:  # type: ignore[no-untyped-def]
    pool.submit_all([_held(gate), _held(gate)])
    _wait_for(pool, Load(running=2, waiting=0))
    (waiting,) = pool.submit_all([lambda: "never"])
    with pytest.raises(Saturated):
        pool.submit_all([lambda: "no room"])
    assert waiting.cancel()
    assert pool.load() == Load(running=2, waiting=0)
    assert len(pool.submit_all([lambda: "room again"])) == 1


def test_reads_inside_an_admitted_call_are_never_refused_and_leave_room_for_views(pool, gate) -> None:  # type: ignore[no-untyped-def]
    pool.submit_all([_held(gate), _held(gate)])
    _wait_for(pool, Load(running=2, waiting=0))
    nested = [pool.submit(lambda: "inner") for _ in range(3)]
    assert pool.load() == Load(running=2, waiting=3)
    # Reads a connector sent inside its call do not count against the views' limit: one more view fits.
    assert len(pool.submit_all([lambda: "another view"])) == 1
    gate.set()
    assert [f.result(timeout=WAIT_S) for f in nested] == ["inner"] * 3


def test_nested_parallel_reads_on_a_one_thread_pool_finish_without_deadlock() -> None:
    """The caller holds the only thread; the reads it sends in parallel are taken back and run by it."""
    single = FanoutExecutor(threads=1, queue_limit=0)
    try:
        reads = [lambda n=n: n * n for n in range(5)]
        (outer,) = single.submit_all([lambda: run_concurrently(reads, max_workers=4, executor=single)])
        assert outer.result(timeout=WAIT_S) == [0, 1, 4, 9, 16]
        _drained(single)
    finally:
        single.shutdown(wait=True)


def test_a_failing_parallel_read_is_raised_to_the_caller() -> None:
    pool = FanoutExecutor(threads=4, queue_limit=4)

    def broken() -> int:
        raise ValueError("unreadable")

    try:
        with pytest.raises(ValueError, match="unreadable"):
            run_concurrently([lambda: 1, broken, lambda: 3], max_workers=4, executor=pool)
    finally:
        pool.shutdown(wait=True)


@dataclass
class FakeAgency:
    display_name: str
    asked: list[str] = field(default_factory=list)


def test_a_full_pool_refuses_the_whole_fan_out_before_any_agency_is_asked(pool, gate) -> None:  # type: ignore[no-untyped-def]
    pool.submit_all([_held(gate), _held(gate)])
    agencies = [FakeAgency("Health"), FakeAgency("Police")]
    with pytest.raises(Saturated):
        fan_out_as_answered(agencies, lambda a: a.asked.append("asked"), time.monotonic() + 5, 5, pool)
    gate.set()
    _drained(pool)
    assert [a.asked for a in agencies] == [[], []]


def test_an_agency_still_running_at_the_deadline_is_reported_timed_out(gate) -> None:  # type: ignore[no-untyped-def]
    pool = FanoutExecutor(threads=4, queue_limit=0)
    try:
        quick, hung = FakeAgency("Education"), FakeAgency("Police")
        answers = fan_out([quick, hung], lambda a: gate.wait(WAIT_S) if a is hung else "answered",
                          time.monotonic() + 0.3, 0.3, pool)
        assert answers[id(quick)] == "answered"
        failure = answers[id(hung)]
        assert isinstance(failure, Failure) and failure.state is SourceState.TIMED_OUT
        assert failure.reason == "Police did not answer within 0.3 s"
    finally:
        gate.set()
        pool.shutdown(wait=True)



def _gauges() -> Load:
    from prometheus_client import REGISTRY

    return Load(int(REGISTRY.get_sample_value("portal_fanout_running") or 0),
                int(REGISTRY.get_sample_value("portal_fanout_waiting") or 0))


def _gauges_show(load: Load) -> None:
    deadline = time.monotonic() + WAIT_S
    while _gauges() != load and time.monotonic() < deadline:
        time.sleep(0.005)
    assert _gauges() == load


def test_the_gauges_follow_the_pool_and_their_sampler_ends_with_it(gate) -> None:  # type: ignore[no-untyped-def]
    from portal.metrics import sample_fanout_load

    executor = FanoutExecutor(threads=1, queue_limit=1)
    sampler = sample_fanout_load(executor, every_s=0.01)
    try:
        executor.submit_all([_held(gate), _held(gate)])
        _wait_for(executor, Load(running=1, waiting=1))
        _gauges_show(Load(running=1, waiting=1))
        gate.set()
        _drained(executor)
        _gauges_show(Load(running=0, waiting=0))
    finally:
        executor.shutdown(wait=True)
    sampler.join(WAIT_S)
    assert not sampler.is_alive()
