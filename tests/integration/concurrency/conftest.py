"""Fixtures for concurrency tests: the five sandbox agencies as real processes, shared by this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.sandbox import RunningSandbox, running_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running
