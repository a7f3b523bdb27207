"""The demo connector configuration pointed at the shared sandbox agencies (tests/integration/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.registry import Registry, load_registry
from tests.support.sandbox import RunningSandbox

CONFIG = Path(__file__).resolve().parents[3] / "config" / "connectors.toml"


@pytest.fixture(scope="package")
def registry(sandbox: RunningSandbox) -> Iterator[Registry]:
    loaded = load_registry(CONFIG, sandbox.env)
    yield loaded
    for connector in loaded.connectors:
        connector.close()
