"""Run one task per agency on the worker's shared pool and stop waiting at a deadline.

Whatever has not finished by the deadline is abandoned, never joined, so a hung
agency costs the caller the deadline and nothing more. Errors become a `Failure`
with a reason safe to show (never an exception message that might quote a record).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, as_completed
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar

from connectors.errors import ConnectorError, TimedOutError
from connectors.models import SourceState
from portal.record.pool import FanoutExecutor, default_executor


class Named(Protocol):
    display_name: str


N = TypeVar("N", bound=Named)
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """Why an agency gave no answer: its state (timed out / failed), a readable reason, and time spent."""

    state: SourceState
    reason: str
    elapsed_ms: int


def fan_out(
    connectors: Sequence[N],
    task: Callable[[N], T],
    deadline: float,
    deadline_s: float,
    executor: FanoutExecutor | None,
) -> dict[int, T | Failure]:
    """Run `task` per connector on the shared pool; whatever has not finished by `deadline` is abandoned.

    Raises Saturated, before starting anything, when the pool cannot take every call.
    """
    return {id(connector): answer for connector, answer in
            fan_out_as_answered(connectors, task, deadline, deadline_s, executor)}


def fan_out_as_answered(
    connectors: Sequence[N],
    task: Callable[[N], T],
    deadline: float,
    deadline_s: float,
    executor: FanoutExecutor | None,
) -> Iterator[tuple[N, T | Failure]]:
    """Start `task` per connector now (or raise Saturated now); yield each answer as it arrives.

    Connectors that have not answered by `deadline` are yielded last, as timed out.
    """
    if not connectors:
        return iter(())
    started = time.monotonic()
    pool = executor or default_executor()
    futures = pool.submit_all([partial(task, connector) for connector in connectors])
    return _answers(list(zip(connectors, futures, strict=True)), started, deadline, deadline_s)


def _answers(asked: list[tuple[N, Future[T]]], started: float, deadline: float,
             deadline_s: float) -> Iterator[tuple[N, T | Failure]]:
    by_future = {future: connector for connector, future in asked}
    answered: set[Future[T]] = set()
    try:
        try:
            for future in as_completed(by_future, timeout=max(0.0, deadline - time.monotonic())):
                answered.add(future)
                answer = _outcome(by_future[future], future, started)  # bound first: T is the future's type
                yield by_future[future], answer
        except TimeoutError:
            pass
        for connector, future in asked:
            if future in answered:
                continue
            if future.done():
                answer = _outcome(connector, future, started)
                yield connector, answer
            else:
                reason = f"{connector.display_name} did not answer within {deadline_s:g} s"
                yield connector, Failure(SourceState.TIMED_OUT, reason, ms_since(started))
    finally:
        # Never join: a hung connector's thread is abandoned (it ends at its own deadline); a call no thread has
        # taken yet is cancelled, which frees its place in the pool.
        for future in by_future:
            future.cancel()


def _outcome(connector: Named, future: Future[T], started: float) -> T | Failure:
    error = future.exception()
    if error is None:
        return future.result()
    elapsed_ms = ms_since(started)
    if isinstance(error, TimedOutError | TimeoutError):
        reason = getattr(error, "reason", "") or f"{connector.display_name} did not answer in time"
        return Failure(SourceState.TIMED_OUT, reason, elapsed_ms)
    if isinstance(error, ConnectorError):
        return Failure(SourceState.FAILED, error.reason, elapsed_ms)
    # An unexpected error's message may quote record content, so only its type is shown.
    reason = f"{connector.display_name} connector failed unexpectedly ({type(error).__name__})"
    return Failure(SourceState.FAILED, reason, elapsed_ms)


def ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
