"""Run one load scenario with locust as a library, headless (the harness starts this in its own process).

    python -m bench.load_driver < plan.json > result.json

The plan (JSON on stdin): host, users, seconds, password, usernames, children, mode and rate (views/s
over all users, each pacing itself at random intervals; absent or null: no pause between views). Every user signs
in first; the measured window starts when all have (or after SIGN_IN_LIMIT_S), lasts `seconds`,
then users finish the request in hand and stop (at most GRACE_S). The result (JSON on stdout):
what the users saw, never record content.
"""

from __future__ import annotations

import json
import random
import sys
import time

import gevent
from locust.env import Environment

from bench import load_journeys as journeys
from bench.pacing import poisson_pacing

SIGN_IN_LIMIT_S = 180
GRACE_S = 70  # a request in hand may wait out a hung agency's deadline, or a 60 s network timeout


def main() -> None:
    spec = json.load(sys.stdin)
    journeys.PLAN.password = spec["password"]
    journeys.PLAN.mode = spec.get("mode", "journey")
    journeys.PLAN.usernames = spec["usernames"]
    journeys.PLAN.children = [tuple(child) for child in spec["children"]]
    users = int(spec["users"])
    if spec.get("rate"):  # a fixed pace: each practitioner's share of the asked rate, with pauses between views
        each = float(spec["rate"]) / users
        journeys.Practitioner.wait_time = poisson_pacing(each)
        journeys.PLAN.first_pause = lambda: random.expovariate(each)  # not all at once when the window opens

    environment = Environment(user_classes=[journeys.Practitioner], host=spec["host"])
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=min(users, 16))
    tally = journeys.TALLY
    deadline = time.monotonic() + SIGN_IN_LIMIT_S
    while tally.signed_in + tally.sign_in_failed < users and time.monotonic() < deadline:
        gevent.sleep(0.2)
    tally.measuring_from = time.monotonic()
    tally.measuring_until = tally.measuring_from + float(spec["seconds"])
    journeys.GO.set()
    print(f"load: {tally.signed_in} signed in, window starts", file=sys.stderr, flush=True)
    gevent.sleep(float(spec["seconds"]))
    journeys.STOP.set()
    stop_by = time.monotonic() + GRACE_S
    while runner.user_count > 0 and time.monotonic() < stop_by:
        gevent.sleep(0.2)
    still_running = runner.user_count
    runner.quit()
    ended = time.monotonic()

    in_window = [t for t in tally.content_at if t <= tally.measuring_until]
    json.dump({
        "users": users,
        "signed_in": tally.signed_in,
        "sign_in_failed": tally.sign_in_failed,
        "seconds": float(spec["seconds"]),
        "views_in_window": len(in_window),
        "content_ms": tally.content_ms,
        "content_at": [t - tally.measuring_from for t in tally.content_at],
        "drain_s": ended - tally.measuring_until,
        "abandoned_users": still_running,
        "errors": dict(tally.errors),
        "requests": dict(tally.requests),
        "shown": [[user, chi, count] for (user, chi), count in tally.shown.items()],
    }, sys.stdout)


if __name__ == "__main__":
    main()
