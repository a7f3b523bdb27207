"""Read side of a document store (the `records` table) for the HTTP systems.

Server threads borrow read-only SQLite connections from a small pool. Searches are built from
small SQL clauses so each system can filter on its own fields; sealed rows are always
excluded here, so no endpoint can serve one by mistake. A clause that names the values a
matching document must hold (`keys`) is narrowed through the in-memory KeyIndex first, so a
person lookup reads a few rows rather than parsing every person's JSON.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sandbox.servers.keyindex import FileWatch, KeyIndex

POOL_SIZE = 16  # idle connections kept; more are opened under load and closed after


@dataclass
class Clause:
    """One SQL condition on the records table with its parameters.

    `keys`, when given, are strings of which every matching document holds at least one somewhere
    (compared case-insensitively), e.g. the CHI an identifier search asks for: the store uses them
    to read only the candidate rows. The SQL still decides, so keys may be looser than the clause.
    """

    sql: str
    params: list[Any] = field(default_factory=list)
    keys: tuple[str, ...] | None = None


@dataclass
class Page:
    """One page of a search: the wire objects (with their subject ids) and the full match count."""

    items: list[dict[str, Any]]
    ids: list[str]
    subject_ids: list[str | None]
    total: int


class DocumentStore:
    """Read-only access to one `records` SQLite file, safe to use from many threads."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise FileNotFoundError(f"sandbox store missing: {path}")
        self.path = path
        self._idle: list[tuple[tuple[int, int], sqlite3.Connection]] = []  # (file it opened, connection)
        self._file = FileWatch(path)
        self._keys = KeyIndex(path, self._file)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        # A connection reads the file it opened; when the cohort writer swaps a new file in, connections to the
        # old one are closed rather than pooled again, so every search reads one file (the one the index read).
        file_id = self._file.identity()
        try:
            opened_on, conn = self._idle.pop()  # list.pop/append are atomic under the GIL: no lock needed
        except IndexError:
            opened_on, conn = file_id, self._connect()
        if opened_on != file_id:
            conn.close()
            opened_on, conn = file_id, self._connect()
        try:
            yield conn
        finally:
            if len(self._idle) < POOL_SIZE:
                self._idle.append((opened_on, conn))
            else:
                conn.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)

    def search(
        self, collection: str, clauses: list[Clause], *, descending: bool = False, limit: int = 50, offset: int = 0
    ) -> Page:
        """Unsealed rows of `collection` matching every clause, ordered by date then id."""
        clauses = self._narrowed(collection, clauses)
        where = ["collection = ?", "sealed = 0", *(c.sql for c in clauses)]
        params: list[Any] = [collection, *(p for c in clauses for p in c.params)]
        where_sql = " AND ".join(f"({w})" for w in where)
        direction = "DESC" if descending else "ASC"
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT id, subject_id, json FROM records WHERE {where_sql} "
                f"ORDER BY sort_date {direction}, id {direction} LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
            if len(rows) < limit and (rows or offset == 0):
                total = offset + len(rows)  # the last page: it tells the count without a second query
            else:
                total = int(conn.execute(f"SELECT COUNT(*) FROM records WHERE {where_sql}", params).fetchone()[0])
        return Page([orjson.loads(r[2]) for r in rows], [r[0] for r in rows], [r[1] for r in rows], total)

    def summed(self, collection: str, clauses: list[Clause], numerator: str, denominator: str
               ) -> tuple[float, float, int, list[str | None]]:
        """Over unsealed matching rows whose `denominator` is above 0: both sums, the row count and their labels."""
        where = ["collection = ?", "sealed = 0", *(c.sql for c in clauses), f"{json_field(denominator)} > 0"]
        params: list[Any] = [collection, *(p for c in clauses for p in c.params)]
        where_sql = " AND ".join(f"({w})" for w in where)
        with self._conn() as conn:
            row = conn.execute(f"SELECT coalesce(sum({json_field(numerator)}), 0), "
                               f"coalesce(sum({json_field(denominator)}), 0), count(*) FROM records "
                               f"WHERE {where_sql}", params).fetchone()
            labels = [r[0] for r in conn.execute(
                f"SELECT DISTINCT json_extract(json, '$.security_label') FROM records WHERE {where_sql}", params)]
        return float(row[0]), float(row[1]), int(row[2]), labels

    def _narrowed(self, collection: str, clauses: list[Clause]) -> list[Clause]:
        """The clauses plus `id IN (candidates)` when some of them carry keys the index can look up."""
        keys = [c.keys for c in clauses if c.keys is not None]
        candidates = self._keys.candidates(collection, keys) if keys else None
        if candidates is None:
            return clauses
        if not candidates:
            return [*clauses, Clause("0")]
        return [*clauses, Clause(f"id IN ({', '.join('?' * len(candidates))})", sorted(candidates))]

    def get(self, collection: str, record_id: str) -> dict[str, Any] | None:
        """One unsealed wire object by id, or None."""
        with self._conn() as conn:
            row = conn.execute(
                "SELECT json FROM records WHERE collection = ? AND id = ? AND sealed = 0", (collection, record_id)
            ).fetchone()
        return orjson.loads(row[0]) if row else None

    def sealed_count(self, collection: str, subject_id: str) -> int:
        """How many sealed rows one subject has in a collection (for restricted notices)."""
        with self._conn() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM records WHERE collection = ? AND subject_id = ? AND sealed = 1",
                (collection, subject_id),
            ).fetchone()
        return int(row[0])

    def other_subject(self, collection: str, current: str | None, *, key: str = "subject_id") -> str | None:
        """A different subject with unsealed rows in `collection` (the `wrong_child` fault's victim).

        The next value of `key` (`subject_id`, or `id` for a person collection) after `current`,
        wrapping round, so the choice is stable.
        """
        if key not in ("subject_id", "id"):
            raise ValueError(f"bad key {key!r}")
        base = f"SELECT MIN({key}) FROM records WHERE collection = ? AND sealed = 0 AND {key} IS NOT NULL"
        with self._conn() as conn:
            row = conn.execute(base + f" AND {key} > ?", (collection, current or "")).fetchone()
            if row[0] is None:
                row = conn.execute(base + f" AND {key} <> ?", (collection, current or "")).fetchone()
        return row[0]


def json_field(path: str) -> str:
    """SQL for one field of the stored wire object, e.g. json_field('$.chi')."""
    if not path.startswith("$") or "'" in path:
        raise ValueError(f"bad JSON path {path!r}")
    return f"json_extract(json, '{path}')"
