"""An in-memory index of which stored documents hold a value, so finding a person by CHI is not a full scan.

Every view looks people up by identifier (FHIR `identifier=`, REST `chi=`), and SQLite cannot index
inside the JSON documents, so each lookup parsed every person in the store. This index maps each
string anywhere in a collection's documents, lower-cased, to the ids holding it. It only narrows: a
search still runs its exact SQL clause over the candidates, so the index may over-match but never
under-match. It is rebuilt when the store changes (another connection commits, e.g. the FHIR loader,
or the file is replaced).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

FILE_RECHECK_S = 1.0  # how soon a store file swapped in by the cohort writer is noticed


class FileWatch:
    """The store file's identity (device, inode), looked up at most once a second: a stat cost more than a
    query here, and the cohort writer replaces the file rarely (and never mid-view)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._checked_at = -FILE_RECHECK_S
        self._identity = (0, 0)

    def identity(self) -> tuple[int, int]:
        now = time.monotonic()
        if now - self._checked_at >= FILE_RECHECK_S:  # threads racing here only stat twice
            stat = os.stat(self.path)
            self._identity, self._checked_at = (stat.st_dev, stat.st_ino), now
        return self._identity


class KeyIndex:
    """Lower-cased string value -> ids of one store's unsealed rows, per collection, built on first use."""

    def __init__(self, path: Path, file: FileWatch) -> None:
        self.path, self.file = path, file
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._seen: tuple[int, int, int] | None = None  # file identity and SQLite's data version when built
        self._by_collection: dict[str, dict[str, set[str]] | None] = {}

    def candidates(self, collection: str, keys: Sequence[Sequence[str]]) -> set[str] | None:
        """Ids that may match every group of `keys` (a row matches a group when it holds one of its values),
        or None when the collection cannot be indexed (a row that is not JSON: let SQL report it)."""
        with self._lock:
            self._forget_if_changed()
            if collection not in self._by_collection:
                self._by_collection[collection] = self._build(collection)
            index = self._by_collection[collection]
        if index is None:
            return None
        found: set[str] | None = None
        for group in keys:
            ids = set().union(*(index.get(value.lower(), ()) for value in group))
            found = ids if found is None else found & ids
        return found

    def _forget_if_changed(self) -> None:
        file_id = self.file.identity()
        if self._conn is not None and self._seen is not None and file_id != self._seen[:2]:
            self._conn.close()  # the file was replaced (the cohort rewritten): read the new one
            self._conn = None
        if self._conn is None:
            self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        # data_version changes when any other connection has committed to the file since our last look.
        seen = (*file_id, int(self._conn.execute("PRAGMA data_version").fetchone()[0]))
        if seen != self._seen:
            self._by_collection.clear()
            self._seen = seen

    def _build(self, collection: str) -> dict[str, set[str]] | None:
        assert self._conn is not None
        index: dict[str, set[str]] = {}
        rows = self._conn.execute("SELECT id, json FROM records WHERE collection = ? AND sealed = 0", (collection,))
        for record_id, text in rows:
            try:
                document = orjson.loads(text)
            except orjson.JSONDecodeError:
                return None
            for value in _strings(document):
                index.setdefault(value.lower(), set()).add(record_id)
        return index


def _strings(node: Any) -> Iterator[str]:
    """Every string value in a JSON document, however deeply nested (keys are not values)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for child in node.values():
            yield from _strings(child)
    elif isinstance(node, list):
        for child in node:
            yield from _strings(child)
