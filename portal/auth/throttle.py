"""Slow down password guessing: too many failures for one username, or from one address, pause sign-in.

Unknown usernames are counted exactly like real ones, so the pause reveals nothing
about which accounts exist. The counts are kept by the `limits` library behind
flask-limiter, in the configured storage (RATELIMIT_STORAGE_URI): Redis in production,
so every worker process and machine sees the same counts; memory:// in the one-process demo.
Keys carry a keyed hash of the username or address, never the text itself.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TypeVar

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.strategies import RateLimiter

R = TypeVar("R")  # what the limiter's operation answers (test and hit: bool; clear: None)

MAX_FAILURES = 5  # per username
MAX_ADDRESS_FAILURES = 50  # per client address: looser, since many staff may share one proxy address
WINDOW_S = 15 * 60


class ThrottleUnavailable(RuntimeError):
    """The shared counts could not be read or written: sign-in fails closed."""


class SignInThrottle:
    def __init__(self, strategy: RateLimiter, *, secret: str, prefix: str = "portal",
                 max_failures: int = MAX_FAILURES, window_s: int = WINDOW_S,
                 max_address_failures: int = MAX_ADDRESS_FAILURES) -> None:
        # A moving window counts exactly the failures of the last `window_s` seconds.
        self._strategy = strategy
        self._secret = secret.encode()
        self._prefix = prefix
        self._user_limit = RateLimitItemPerSecond(max_failures, window_s)
        self._address_limit = RateLimitItemPerSecond(max_address_failures, window_s)

    def is_paused(self, username: str, address: str | None) -> bool:
        return any(not self._call(self._strategy.test, limit, key) for limit, key in self._keys(username, address))

    def failed(self, username: str, address: str | None) -> None:
        for limit, key in self._keys(username, address):
            self._call(self._strategy.hit, limit, key)

    def succeeded(self, username: str) -> None:
        for limit, key in self._keys(username, None):
            self._call(self._strategy.clear, limit, key)

    def _keys(self, username: str, address: str | None) -> list[tuple[RateLimitItemPerSecond, str]]:
        keys = [(self._user_limit, self._digest("user", username.strip().lower()))]
        if address:
            keys.append((self._address_limit, self._digest("addr", address)))
        return keys

    def _digest(self, kind: str, value: str) -> str:
        return kind + "-" + hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:32]

    def _call(self, operation: Callable[..., R], limit: RateLimitItemPerSecond, key: str) -> R:
        try:
            return operation(limit, self._prefix, "sign-in", key)
        except StorageError as error:
            raise ThrottleUnavailable("rate-limit storage unavailable") from error
