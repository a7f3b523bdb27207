"""Meetings against the real sandbox agencies (separate processes, real HTTP and SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from portal.demo import seed_demo_relationships
from tests.support.sandbox import RunningSandbox, environment, running_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def meeting_app(app: Flask, sandbox: RunningSandbox, tmp_path: Path) -> Iterator[Flask]:
    """The portal wired to the sandbox, with the demo relationships (the lead professional's team knows everyone)."""
    with environment(sandbox.env):
        with app.app_context():
            seed_demo_relationships(sandbox.cohort, tmp_path, today=date.today())
        yield app
        registry = app.extensions.get("registry")
        if registry is not None:
            registry.close()
