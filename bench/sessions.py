"""Benchmark: what server-side sessions cost per request, and how long ending a user's sessions takes.
(Not a test.)

    .venv/bin/python -m bench.sessions                 # files and Redis (if reachable)
    .venv/bin/python -m bench.sessions --requests 100

A signed-in test client asks for `/session` (the cheapest signed-in request: the session is read,
checked against the index and not written) and for `/` (read, checked, `last_seen` written back),
through the real app, on each store. Then one user signs in N times and `end_sessions_for_user`
ends them all. Accounts are the test accounts; nothing personal is involved.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from flask import Flask

from portal import create_app
from portal.config import Settings
from tests.conftest import build_app, dispose_engines, extract_csrf, make_settings
from tests.support.accounts import TEST_PASSWORD
from tests.support.redis import REDIS_URL, redis_available


def _sign_in(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    client.post("/sign-in", data={"username": "teacher", "password": TEST_PASSWORD, "csrf_token": token})
    return client


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def _run(label: str, settings: Settings, requests: int, sessions: int) -> list[str]:
    from portal.auth.sessions import end_sessions_for_user
    from portal.data.users import list_accounts

    app = create_app(settings)
    client = _sign_in(app)
    rows = []
    for path in ("/session", "/"):
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            assert client.get(path).status_code == 200
            times.append(time.perf_counter() - started)
        p50, p95 = _ms(times)
        rows.append(f"| {label} | GET {path} | {p50:.1f} | {p95:.1f} |")
    for _ in range(sessions - 1):
        _sign_in(app)
    with app.app_context():
        user_id = next(a.id for a in list_accounts() if a.username == "teacher")
        started = time.perf_counter()
        ended = end_sessions_for_user(user_id)
        elapsed = time.perf_counter() - started
    rows.append(f"| {label} | end_sessions_for_user ({ended} sessions) | {elapsed * 1000:.1f} | – |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-sessions-"))
    try:
        build_app(make_settings(folder))
        dispose_engines()
        print("| store | operation | p50 ms | p95 ms |\n|---|---|---|---|")
        for row in _run("files", make_settings(folder), args.requests, args.sessions):
            print(row, flush=True)
        if redis_available():
            prefix = f"bench:{uuid.uuid4().hex[:8]}:"
            settings = make_settings(folder, SESSION_STORE="redis", REDIS_URL=REDIS_URL, SESSION_KEY_PREFIX=prefix)
            try:
                for row in _run("redis", settings, args.requests, args.sessions):
                    print(row, flush=True)
            finally:
                import redis

                client = redis.Redis.from_url(REDIS_URL)
                keys = list(client.scan_iter(match=prefix + "*"))
                if keys:
                    client.delete(*keys)
        dispose_engines()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
