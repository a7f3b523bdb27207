"""The shared Redis for tests (127.0.0.1:6379): a unique key prefix per run, never a flush.

When CI is set, an unreachable server is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def require_redis() -> None:
    """Skip locally without Redis; fail in CI, where limits across processes must be tested on it."""
    if redis_available():
        return
    message = f"Redis is not reachable at {REDIS_URL}"
    if os.environ.get("CI"):
        pytest.fail(message + " (required when CI is set)")
    pytest.skip(message)


@contextmanager
def redis_prefix(label: str = "portal-test") -> Iterator[str]:
    """A key prefix no other run uses; afterwards delete only the keys carrying it."""
    import redis

    require_redis()
    prefix = f"{label}-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        keys = list(client.scan_iter(match=f"*{prefix}*", count=500))
        if keys:
            client.delete(*keys)


def keys_with(prefix: str) -> list[bytes]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    return list(client.scan_iter(match=f"*{prefix}*", count=500))


@contextmanager
def redis_session_settings() -> Iterator[dict[str, str]]:
    """Settings for a Redis session store under a prefix of this test's own; its keys are deleted afterwards."""
    with redis_prefix("scv-sessions") as prefix:
        yield {"SESSION_STORE": "redis", "REDIS_URL": REDIS_URL, "SESSION_KEY_PREFIX": f"{prefix}:"}
