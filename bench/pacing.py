"""Paced load: practitioners who pause between views, arriving as independent people do. (Not a test.)

Kept apart from `bench.load_driver` so it can be tested without importing locust (which patches the
standard library for gevent).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any


def poisson_pacing(rate: float, *, draw: Callable[[float], float] = random.expovariate,
                   clock: Callable[[], float] = time.monotonic) -> Callable[[Any], float]:
    """A locust wait time giving each user views at `rate` per second on average, started at random moments
    (exponential gaps, less the time the view itself took), so many users together arrive as independent
    practitioners do. locust's `constant_throughput` keeps every user's first phase: users released together
    by the start of the window would stay in step, and the portal would see 16 views at once, then none."""
    started: dict[int, float] = {}

    def wait_time(user: Any) -> float:
        now = clock()
        gap = draw(rate)
        due = started.get(id(user), now) + gap
        started[id(user)] = max(due, now)
        return max(0.0, due - now)

    return wait_time
