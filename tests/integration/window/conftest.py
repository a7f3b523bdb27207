"""The five sandbox agencies on the demo cohort, and the demo connector configuration pointed at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.registry import Registry, load_registry
from tests.support.sandbox import RunningSandbox, running_sandbox

CONFIG = Path(__file__).resolve().parents[3] / "config" / "connectors.toml"


@pytest.fixture(scope="package")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("window-sandbox")) as running:
        yield running


@pytest.fixture(scope="package")
def registry(sandbox: RunningSandbox) -> Iterator[Registry]:
    loaded = load_registry(CONFIG, sandbox.env)
    yield loaded
    for connector in loaded.connectors:
        connector.close()
