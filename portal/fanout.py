"""Run one task per agency on a thread pool and stop waiting at a deadline.

Whatever has not finished by the deadline is abandoned, never joined, so a hung
agency costs the caller the deadline and nothing more. Errors become a `Failure`
with a reason safe to show (never an exception message that might quote a record).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol, TypeVar

from connectors.errors import ConnectorError, TimedOutError
from connectors.models import SourceState


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
    executor: ThreadPoolExecutor | None,
) -> dict[int, T | Failure]:
    """Run `task` per connector on a pool; whatever has not finished by `deadline` is abandoned."""
    if not connectors:
        return {}
    started = time.monotonic()
    pool = executor or ThreadPoolExecutor(max_workers=len(connectors), thread_name_prefix="gather")
    try:
        futures: dict[int, Future[T]] = {id(c): pool.submit(task, c) for c in connectors}
        wait(futures.values(), timeout=max(0.0, deadline - time.monotonic()))
        answers: dict[int, T | Failure] = {}
        for connector in connectors:
            future = futures[id(connector)]
            if future.done():
                answers[id(connector)] = _outcome(connector, future, started)
            else:
                future.cancel()
                reason = f"{connector.display_name} did not answer within {deadline_s:g} s"
                answers[id(connector)] = Failure(SourceState.TIMED_OUT, reason, ms_since(started))
        return answers
    finally:
        if executor is None:
            # Never join: a hung connector thread must not hold the page beyond the deadline.
            pool.shutdown(wait=False, cancel_futures=True)


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
