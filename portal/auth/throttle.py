"""Slow down password guessing: too many failures for one username, or from one address, pause sign-in.

Unknown usernames are counted exactly like real ones, so the pause reveals nothing
about which accounts exist. Counts live in this process's memory only (a restart
clears them); a deployment with several processes should also rate-limit at its proxy.
"""

from __future__ import annotations

import threading
import time
from collections import deque

MAX_FAILURES = 5  # per username
MAX_ADDRESS_FAILURES = 50  # per client address: looser, since many staff may share one proxy address
WINDOW_S = 15 * 60


class SignInThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S,
                 max_address_failures: int = MAX_ADDRESS_FAILURES) -> None:
        self.max_failures = max_failures
        self.max_address_failures = max_address_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def is_paused(self, username: str, address: str | None, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            return any(len(self._recent(key, now)) >= self._limit(key) for key in _keys(username, address))

    def _limit(self, key: str) -> int:
        return self.max_address_failures if key.startswith("addr:") else self.max_failures

    def failed(self, username: str, address: str | None, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in _keys(username, address):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.strip().lower()}", None)


def _keys(username: str, address: str | None) -> list[str]:
    keys = [f"user:{username.strip().lower()}"]
    if address:
        keys.append(f"addr:{address}")
    return keys
