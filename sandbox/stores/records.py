"""Document store shared by the health, education, police and SCRA sandboxes.

One SQLite file per system, one table. Each row is one wire object (`json`) in a
`collection`, keyed by `id`, with the columns a server needs to find and page it:
`subject_id` (whose record it is) and `sort_date` (the ISO event date).
Sealed rows stay in the store for tests but servers must never serve them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    subject_id TEXT,
    sort_date TEXT,
    sealed INTEGER NOT NULL DEFAULT 0,
    json TEXT NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS records_by_subject ON records (collection, subject_id, sort_date);
"""


@dataclass
class StoreRecord:
    """One row of a document store, before it is written."""

    collection: str
    id: str
    subject_id: str | None
    sort_date: str | None
    json: dict[str, Any]
    sealed: bool = False


def open_store(path: Path | str, *, create: bool = False) -> sqlite3.Connection:
    """Open a document store. With `create`, make the table and index if missing.

    Rows come back as `sqlite3.Row`. The connection may be shared between threads
    (servers answer on a thread pool); callers serialise their own writes.
    """
    if not create and not Path(path).exists():
        raise FileNotFoundError(f"no sandbox store at {path}")
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.row_factory = sqlite3.Row
    if create:
        conn.executescript(SCHEMA)
    return conn


def insert_records(conn: sqlite3.Connection, rows: Iterable[StoreRecord]) -> int:
    """Insert rows in one transaction; returns how many were written."""
    params = [
        (r.collection, r.id, r.subject_id, r.sort_date, int(r.sealed), _dump(r.json))
        for r in rows
    ]
    with conn:
        conn.executemany(
            "INSERT INTO records (collection, id, subject_id, sort_date, sealed, json) VALUES (?, ?, ?, ?, ?, ?)",
            params,
        )
    return len(params)


def query(
    conn: sqlite3.Connection,
    collection: str,
    subject_id: str | None = None,
    *,
    order: Literal["asc", "desc"] = "asc",
    limit: int | None = None,
    offset: int = 0,
    include_sealed: bool = False,
    date_from: str | None = None,
    date_to: str | None = None,
) -> list[dict[str, Any]]:
    """Wire objects of one collection, optionally one subject's, ordered by date then id.

    Sealed rows are left out unless `include_sealed`. `date_from`/`date_to` are
    inclusive bounds on `sort_date` (ISO strings compare in date order).
    """
    where, params = _filters(collection, subject_id, include_sealed, date_from, date_to)
    direction = "DESC" if order == "desc" else "ASC"
    sql = f"SELECT json FROM records WHERE {where} ORDER BY sort_date {direction}, id {direction}"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [json.loads(row[0]) for row in conn.execute(sql, params)]


def count(
    conn: sqlite3.Connection,
    collection: str,
    subject_id: str | None = None,
    *,
    include_sealed: bool = False,
    date_from: str | None = None,
    date_to: str | None = None,
) -> int:
    """How many rows `query` would return without a limit (for FHIR `total`)."""
    where, params = _filters(collection, subject_id, include_sealed, date_from, date_to)
    return int(conn.execute(f"SELECT COUNT(*) FROM records WHERE {where}", params).fetchone()[0])


def get(conn: sqlite3.Connection, collection: str, record_id: str, *, include_sealed: bool = False) -> dict | None:
    """One wire object by id, or None (sealed rows count as absent unless asked for)."""
    row = conn.execute(
        "SELECT json, sealed FROM records WHERE collection = ? AND id = ?", (collection, record_id)
    ).fetchone()
    if row is None or (row["sealed"] and not include_sealed):
        return None
    return json.loads(row["json"])


def all_of(conn: sqlite3.Connection, collection: str, *, include_sealed: bool = False) -> list[dict[str, Any]]:
    """Every wire object in a collection, in id order (for searches by demographics)."""
    sql = "SELECT json FROM records WHERE collection = ?"
    if not include_sealed:
        sql += " AND sealed = 0"
    return [json.loads(row[0]) for row in conn.execute(sql + " ORDER BY id", (collection,))]


def subject_counts(conn: sqlite3.Connection, subject_id: str) -> dict[str, int]:
    """How many rows (sealed included) each collection holds about one subject."""
    rows = conn.execute(
        "SELECT collection, COUNT(*) FROM records WHERE subject_id = ? GROUP BY collection ORDER BY collection",
        (subject_id,),
    )
    return {collection: n for collection, n in rows}


def _filters(
    collection: str, subject_id: str | None, include_sealed: bool, date_from: str | None, date_to: str | None
) -> tuple[str, list[Any]]:
    clauses: list[str] = ["collection = ?"]
    params: list[Any] = [collection]
    if subject_id is not None:
        clauses.append("subject_id = ?")
        params.append(subject_id)
    if not include_sealed:
        clauses.append("sealed = 0")
    if date_from is not None:
        clauses.append("sort_date >= ?")
        params.append(date_from)
    if date_to is not None:
        # A bare date bound includes every instant on that day.
        clauses.append("substr(sort_date, 1, ?) <= ?")
        params += [len(date_to), date_to]
    return " AND ".join(clauses), params


def _dump(obj: dict[str, Any]) -> str:
    # Sorted keys and fixed separators keep a rewrite of the same cohort byte-identical.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
