"""Prometheus metrics: what operators watch, never anything about a child or a practitioner.

Under gunicorn every worker writes its samples to PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py
sets it and clears it at start) and `/metrics` in any worker adds up all of them; without
it (the demo, tests) the process's own registry is served. Labels are agency keys, route
rules, outcomes and causes: small fixed sets, no identifiers.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

from connectors.models import SourceState
from portal.record.pool import FanoutExecutor, Load

_SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)

AGENCY_SECONDS = Histogram("portal_agency_seconds", "Time an agency took to answer one view's gather, by outcome",
                           ["agency", "outcome"], buckets=_SECONDS)
AGENCY_OUTCOMES = Counter("portal_agency_outcomes_total", "Agency answers to views, by outcome",
                          ["agency", "outcome"])
FANOUT_RUNNING = Gauge("portal_fanout_running", "Agency calls running on the fan-out pools",
                       multiprocess_mode="livesum")
FANOUT_WAITING = Gauge("portal_fanout_waiting", "Agency calls queued for a fan-out thread",
                       multiprocess_mode="livesum")
BUSY_REFUSALS = Counter("portal_busy_refusals_total", "503 'portal is busy' pages, by what was full", ["cause"])
AUDIT_WRITE_SECONDS = Histogram("portal_audit_write_seconds", "Time to commit audit entries (one transaction)",
                                buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0))
AUDIT_WRITE_FAILURES = Counter("portal_audit_write_failures_total", "Audit writes that failed (content withheld)")
ACTIVE_SESSIONS = Gauge("portal_active_sessions", "Signed-in sessions seen within the idle timeout, summed over "
                        "workers (a session served by two workers counts twice)", multiprocess_mode="livesum")
REQUEST_SECONDS = Histogram("portal_request_seconds", "Time to the response's first byte, by route rule",
                            ["method", "endpoint", "status"], buckets=_SECONDS)


class _Sourced(Protocol):
    @property
    def agency(self) -> str: ...

    @property
    def status(self) -> object: ...


S = TypeVar("S", bound=_Sourced)  # observed() hands back the very sources it was given


FANOUT_SAMPLE_S = 0.5  # how stale the fan-out gauges may be: Prometheus scrapes every 15 s or so


def sample_fanout_load(pool: FanoutExecutor, every_s: float = FANOUT_SAMPLE_S) -> threading.Thread:
    """Keep the fan-out gauges at the pool's load, read every `every_s` seconds on a thread of their own.

    The pool's load moves at the start and end of every agency call (dozens a view); writing the gauges there
    (an mmap update each under gunicorn) cost the request path about 1 ms of CPU per view. Sampled, they cost a
    wake-up twice a second per worker and are written only when the load moved. The thread ends with the pool.
    """
    pool_ref = weakref.ref(pool)  # the thread must not keep a pool (tests build many) alive

    def run() -> None:
        shown: Load | None = None
        while (current := pool_ref()) is not None and not current.closed:
            load = current.load()
            del current
            if load != shown:
                FANOUT_RUNNING.set(load.running)
                FANOUT_WAITING.set(load.waiting)
                shown = load
            time.sleep(every_s)

    thread = threading.Thread(target=run, name="fanout-gauges", daemon=True)
    thread.start()
    return thread


def observed(sources: Iterable[S]) -> Iterator[S]:
    """Pass sources through, counting each asked agency's outcome and time (withheld ones were not asked)."""
    for source in sources:
        status = source.status
        state = getattr(status, "state", None)
        if state is not None and state is not SourceState.WITHHELD:
            outcome = state.value
            AGENCY_OUTCOMES.labels(source.agency, outcome).inc()
            AGENCY_SECONDS.labels(source.agency, outcome).observe(getattr(status, "elapsed_ms", 0) / 1000)
        yield source


class SessionsSeen:
    """Distinct signed-in sessions this worker served within the idle timeout (keys are hashes, in memory)."""

    def __init__(self, idle_s: float, prune_every_s: float = 10.0) -> None:
        self.idle_s, self.prune_every_s = idle_s, prune_every_s
        self._last_seen: dict[str, float] = {}
        self._pruned_at = 0.0
        self._lock = threading.Lock()

    def touch(self, session_key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        digest = hashlib.sha256(session_key.encode()).hexdigest()[:16]
        with self._lock:
            self._last_seen[digest] = now
            if now - self._pruned_at >= self.prune_every_s:
                self._pruned_at = now
                self._last_seen = {k: t for k, t in self._last_seen.items() if now - t <= self.idle_s}
            count = len(self._last_seen)
        ACTIVE_SESSIONS.set(count)
        return count


def exposition() -> tuple[bytes, str]:
    """The text exposition: every worker's samples under gunicorn, this process's otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
