"""Published transparency snapshots: aggregate figures only, already suppressed, kept beside the trail.

They live in the audit store because they are derived from it and are as permanent:
a snapshot is inserted once and never changed (the migration adds the same
append-only triggers as the trail). Publishing also writes an `audit_export` entry
naming the snapshot and the SHA-256 of its JSON, so the trail vouches for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Connection, Date, Integer, String, Table, Text, insert, select

from portal.audit.bind import Bind, read_connection, resolve_engine
from portal.audit.models import UtcDateTime, audit_metadata

SNAPSHOTS_TABLE = "transparency_snapshots"

transparency_snapshots = Table(
    SNAPSHOTS_TABLE,
    audit_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("published_at", UtcDateTime, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("figures", Text, nullable=False),  # the snapshot's canonical JSON text
    Column("sha256", String(64), nullable=False),
)


@dataclass(frozen=True)
class PublishedSnapshot:
    id: int
    published_at: datetime
    period_start: date
    period_end: date
    figures: dict[str, Any]
    sha256: str


def _from_row(row: Any) -> PublishedSnapshot:
    return PublishedSnapshot(row.id, row.published_at, row.period_start, row.period_end, json.loads(row.figures),
                             row.sha256)


def save_snapshot(bind: Bind, *, published_at: datetime, start: date, end: date, figures_json: str,
                  sha256: str) -> int:
    """Store a snapshot and return its id."""
    engine = bind.engine if isinstance(bind, Connection) else resolve_engine(bind)
    with engine.begin() as connection:
        result = connection.execute(insert(transparency_snapshots).values(
            published_at=published_at, period_start=start, period_end=end, figures=figures_json, sha256=sha256))
        key = result.inserted_primary_key
        if key is None:  # only for a statement that inserted no row, which this one always does
            raise RuntimeError("the snapshot insert returned no id")
        return int(key[0])


def latest_snapshot(bind: Bind) -> PublishedSnapshot | None:
    with read_connection(bind) as connection:
        row = connection.execute(
            select(transparency_snapshots).order_by(transparency_snapshots.c.id.desc()).limit(1)).first()
    return _from_row(row) if row else None


def get_snapshot(bind: Bind, snapshot_id: int) -> PublishedSnapshot | None:
    with read_connection(bind) as connection:
        row = connection.execute(
            select(transparency_snapshots).where(transparency_snapshots.c.id == snapshot_id)).first()
    return _from_row(row) if row else None


def list_snapshots(bind: Bind, limit: int = 50) -> list[tuple[int, datetime, date, date]]:
    """(id, published at, period start, period end), newest first."""
    c = transparency_snapshots.c
    with read_connection(bind) as connection:
        rows = connection.execute(select(c.id, c.published_at, c.period_start, c.period_end)
                                  .order_by(c.id.desc()).limit(limit))
        return [tuple(row) for row in rows]
