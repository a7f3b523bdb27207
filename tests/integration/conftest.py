"""Fixtures every integration folder shares: the five sandbox agencies, started once for the whole run.

Folders used to start their own copy each (seven per full run); the systems only read their stores,
faults are cleared after each test that sets them, and every portal gets its own database, so one
copy serves them all. Tests that need different data (the sandbox servers' own small stores, the
connector contract's Synthea-loaded health system, `make run`'s process handling) still start theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from portal.demo import seed_demo_relationships
from tests.support.sandbox import RunningSandbox, environment, running_sandbox, set_fault


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The five agency systems on the demo cohort, as real processes on free loopback ports."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def child_app(app: Flask, sandbox: RunningSandbox, tmp_path: Path) -> Iterator[Flask]:
    """The portal wired to the sandbox, with the demo relationships (the lead professional's team knows everyone)."""
    with environment(sandbox.env):
        with app.app_context():
            seed_demo_relationships(sandbox.cohort, tmp_path, today=date.today())
        yield app
        registry = app.extensions.get("registry")
        if registry is not None:
            registry.close()


@pytest.fixture
def faults(sandbox: RunningSandbox) -> Iterator[Callable[..., None]]:
    """Set agency faults for one test; all are cleared afterwards."""
    touched: set[str] = set()

    def _set(agency: str, mode: str | None, **options: object) -> None:
        touched.add(agency)
        set_fault(sandbox, agency, mode, **options)

    yield _set
    for agency in touched:
        set_fault(sandbox, agency, None)
