"""Write a generated cohort to the sandbox data directory (and PostgreSQL for social work, if asked)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sandbox.cohort.model import Cohort
from sandbox.stores import socialwork
from sandbox.stores.records import insert_records, open_store

MANIFEST = "cohort.json"


def write(cohort: Cohort, data_dir: Path, socialwork_url: str | None = None) -> None:
    """Write every store from scratch: <agency>.db files, socialwork.db (or PostgreSQL) and cohort.json.

    Each file is built beside its final name and swapped in, so a server reading the
    old file never sees a half-written one, and running this twice gives the same data.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, records in cohort.document_stores().items():
        target = data_dir / f"{name}.db"
        staging = _staging(target)
        conn = open_store(staging, create=True)
        try:
            insert_records(conn, records)
        finally:
            conn.close()
        _swap_in(staging, target)
    if socialwork_url:
        socialwork.create_postgres(socialwork_url, cohort.socialwork)
    else:
        target = data_dir / "socialwork.db"
        staging = _staging(target)
        socialwork.create_sqlite(staging, cohort.socialwork)
        _swap_in(staging, target)
    manifest = data_dir / MANIFEST
    staging = _staging(manifest)
    staging.write_text(json.dumps(cohort.children, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _swap_in(staging, manifest)


def list_children(data_dir: Path) -> list[dict[str, Any]]:
    """The cohort manifest: one entry per child with CHI, name, DOB, tags and each agency's id."""
    return json.loads((Path(data_dir) / MANIFEST).read_text(encoding="utf-8"))


def _staging(target: Path) -> Path:
    staging = target.with_name(target.name + ".building")
    staging.unlink(missing_ok=True)
    return staging


def _swap_in(staging: Path, target: Path) -> None:
    for leftover in (target.with_name(target.name + "-journal"), target.with_name(target.name + "-wal")):
        leftover.unlink(missing_ok=True)
    os.replace(staging, target)
