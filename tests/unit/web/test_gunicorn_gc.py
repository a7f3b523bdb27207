"""The production config's worker hook: what a worker keeps is frozen out of the collector; young collections rarer."""

from __future__ import annotations

import gc
import os
import runpy
from collections.abc import Iterator

import pytest

from e2e.servers import PROJECT_ROOT


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds, environ = gc.get_threshold(), dict(os.environ)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    os.environ.clear()  # reading the config sets PORTAL_WORKERS and PROMETHEUS_MULTIPROC_DIR
    os.environ.update(environ)


def test_post_worker_init_freezes_what_exists_and_raises_the_young_threshold(restored_gc: None) -> None:
    config = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    kept = [object()]  # something alive when the hook runs, as the worker's app is
    config["post_worker_init"](None)
    assert gc.get_freeze_count() > 0
    assert all(found is not kept for found in gc.get_objects(generation=2))
    assert gc.get_threshold() == (config["GC_YOUNG_THRESHOLD"], 20, 20)
    assert config["GC_YOUNG_THRESHOLD"] > 700  # the interpreter's default
