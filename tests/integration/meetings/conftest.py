"""Meetings against the real sandbox agencies: the child view's app (tests/integration/conftest.py)."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture
def meeting_app(child_app: Flask) -> Flask:
    """The portal wired to the sandbox with the demo relationships (the lead professional's team knows everyone)."""
    return child_app
