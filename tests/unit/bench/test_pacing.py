"""The paced load scenario's arrivals: each practitioner's views at random gaps around the asked rate."""

from __future__ import annotations

import random
import statistics

from bench.pacing import poisson_pacing


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_each_view_is_due_a_drawn_gap_after_the_one_before_less_the_time_it_took() -> None:
    clock, gaps = _Clock(), iter([2.0, 0.5, 3.0])
    wait = poisson_pacing(1.0, draw=lambda _rate: next(gaps), clock=clock)
    user = object()
    assert wait(user) == 2.0  # the first view has just ended: wait the whole gap
    clock.now += 2.0 + 1.5  # the next view started when due and took 1.5 s, longer than its 0.5 s gap
    assert wait(user) == 0.0  # late: the following view starts at once
    clock.now += 0.25  # that view took 0.25 s; its gap of 3 s counts from when it started
    assert wait(user) == 2.75


def test_users_keep_their_own_schedules() -> None:
    clock, gaps = _Clock(), iter([1.0, 4.0, 1.0])
    wait = poisson_pacing(1.0, draw=lambda _rate: next(gaps), clock=clock)
    first, second = object(), object()
    assert (wait(first), wait(second)) == (1.0, 4.0)
    clock.now += 1.0
    assert wait(first) == 1.0  # from its own last start, not the other user's


def test_the_gaps_average_one_over_the_rate_and_vary() -> None:
    generator = random.Random(20261202)
    clock = _Clock()
    wait = poisson_pacing(25 / 16, draw=generator.expovariate, clock=clock)
    user = object()
    waits = []
    for _ in range(4000):  # views that take no time: every wait is a whole gap
        waits.append(wait(user))
        clock.now += waits[-1]
    assert abs(statistics.mean(waits) - 16 / 25) < 0.05 * 16 / 25
    assert statistics.stdev(waits) > 0.8 * 16 / 25  # exponential: spread about as wide as the mean, not a fixed pace
