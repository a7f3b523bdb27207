"""The shared Redis for tests (127.0.0.1:6379): a unique key prefix per run, never a flush.

When CI is set, an unreachable server is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.services import require

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _client():  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def redis_available() -> bool:
    import redis

    try:
        return bool(_client().ping())
    except redis.RedisError:
        return False


def require_redis() -> None:
    """Skip locally without Redis; fail in CI, where limits across processes must be tested on it."""
    require("Redis", REDIS_URL, redis_available)


@contextmanager
def redis_prefix(label: str = "portal-test") -> Iterator[str]:
    """A key prefix no other run uses; afterwards delete only the keys carrying it."""
    require_redis()
    prefix = f"{label}-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        keys = keys_with(prefix)
        if keys:
            _client().delete(*keys)


def keys_with(prefix: str) -> list[bytes]:
    return list(_client().scan_iter(match=f"*{prefix}*", count=500))


@contextmanager
def redis_session_settings() -> Iterator[dict[str, str]]:
    """Settings for a Redis session store under a prefix of this test's own; its keys are deleted afterwards."""
    with redis_prefix("scv-sessions") as prefix:
        yield {"SESSION_STORE": "redis", "REDIS_URL": REDIS_URL, "SESSION_KEY_PREFIX": f"{prefix}:"}
