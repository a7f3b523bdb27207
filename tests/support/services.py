"""The shared servers tests may need (PostgreSQL, Redis): skip locally when one is down, fail in CI."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest


def require(name: str, url: str, available: Callable[[], bool]) -> None:
    """Skip locally without the server; fail when CI is set, where its tests must run rather than be skipped."""
    if available():
        return
    message = f"{name} is not reachable at {url}"
    if os.environ.get("CI"):
        pytest.fail(message + " (required when CI is set)")
    pytest.skip(message)
