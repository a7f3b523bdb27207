"""Fixtures for the demo cohort tests: one generated cohort and one written data dir per session."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.cohort import Cohort, list_children, write
from sandbox.stores.records import open_store


@pytest.fixture(scope="session")
def data_dir(cohort: Cohort, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox_data")
    write(cohort, path)
    return path


@pytest.fixture(scope="session")
def manifest(data_dir: Path) -> list[dict]:
    return list_children(data_dir)


@pytest.fixture(scope="session")
def stores(data_dir: Path) -> Iterator[dict[str, sqlite3.Connection]]:
    conns = {name: open_store(data_dir / f"{name}.db") for name in ("health", "education", "police", "scra")}
    conns["socialwork"] = sqlite3.connect(str(data_dir / "socialwork.db"), check_same_thread=False)
    conns["socialwork"].row_factory = sqlite3.Row
    yield conns
    for conn in conns.values():
        conn.close()


@pytest.fixture(scope="session")
def tagged(manifest: list[dict]):
    """tagged(tag) -> the manifest entries carrying that tag."""

    def find(tag: str) -> list[dict]:
        return [child for child in manifest if tag in child["tags"]]

    return find
