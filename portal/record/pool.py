"""The one bounded thread pool each worker process fans out on, and who it lets in.

Every agency call of every view runs on this pool: `threads` calls at once, at most
`queue_limit` more admitted and waiting. A view asks for all its agency calls in one go
(`submit_all`); if they would not fit, none is started and `Saturated` is raised, so
the caller answers "busy, try again" instead of queueing without limit. Reads a
connector sends inside an admitted call (`submit`: e.g. FHIR resource types read in
parallel) are not counted against that limit and never refused: they are bounded by the
admitted calls (a few each), and the connector runs any that no thread has started yet
itself (see `connectors.base.run_concurrently`), so they cannot pile up or deadlock.

A call abandoned at the federation deadline keeps its thread until the connector's own
timeouts end it (each is bounded by the same deadline), and counts as load until then.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class Saturated(RuntimeError):
    """The pool cannot take a view's calls now; the caller should answer 503 with Retry-After."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the portal is busy; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Load:
    """Calls on a thread now, and calls waiting for one (views' calls and the reads inside them)."""

    running: int
    waiting: int


class FanoutExecutor(Executor):
    """A ThreadPoolExecutor with a bounded queue and all-or-nothing admission of a view's calls."""

    def __init__(self, threads: int, queue_limit: int, *, retry_after_s: int = 5) -> None:
        if threads < 1 or queue_limit < 0:
            raise ValueError("a fan-out pool needs at least one thread and a non-negative queue limit")
        self.threads, self.queue_limit, self.retry_after_s = threads, queue_limit, retry_after_s
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fanout")
        self._lock = threading.Lock()
        self._running = 0
        self._waiting = 0
        self._admitted = 0  # views' calls not finished yet: what the capacity limits
        self.closed = False  # shut down: whoever samples the load (portal.metrics) stops

    @property
    def capacity(self) -> int:
        """How many views' calls may be admitted (running or waiting) at once."""
        return self.threads + self.queue_limit

    def admitted(self) -> int:
        with self._lock:
            return self._admitted

    def load(self) -> Load:
        with self._lock:
            return Load(self._running, self._waiting)

    def submit_all(self, calls: Sequence[Callable[[], T]]) -> list[Future[T]]:
        """Start every call, or none: raises Saturated when they would not fit within the capacity."""
        with self._lock:
            if self._admitted + len(calls) > self.capacity:
                raise Saturated(self.retry_after_s)
            self._admitted += len(calls)
            self._waiting += len(calls)
        futures = [self._start(call) for call in calls]
        for future in futures:
            future.add_done_callback(self._release)
        return futures

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """A call inside an admitted one (never refused; see the module docstring)."""
        with self._lock:
            self._waiting += 1
        return self._start(lambda: fn(*args, **kwargs))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.closed = True
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def _start(self, call: Callable[[], T]) -> Future[T]:
        future = self._pool.submit(self._run, call)
        future.add_done_callback(self._forget_if_cancelled)
        return future

    def _run(self, call: Callable[[], T]) -> T:
        with self._lock:
            self._waiting -= 1
            self._running += 1
        try:
            return call()
        finally:
            with self._lock:
                self._running -= 1

    def _release(self, _future: Future[Any]) -> None:
        # Done, failed or cancelled: a view's call no longer holds its place.
        with self._lock:
            self._admitted -= 1

    def _forget_if_cancelled(self, future: Future[Any]) -> None:
        # A call cancelled before a thread took it never reaches _run: it stops waiting here.
        if future.cancelled():
            with self._lock:
                self._waiting -= 1


_default: FanoutExecutor | None = None
_default_lock = threading.Lock()


def default_executor() -> FanoutExecutor:
    """A process-wide pool for callers outside the app (scripts, benchmarks); the app passes its own."""
    global _default
    with _default_lock:
        if _default is None:
            _default = FanoutExecutor(threads=32, queue_limit=32)
        return _default
