"""The canonical form of an entry and the hash chain over it.

entry_hash = SHA-256(prev_hash || canonical(entry)), where canonical(entry) is JSON
with sorted keys, no whitespace, UTC ISO timestamps, and null fields left out (so a
nullable column added later does not change the hash of older entries).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Protocol

from portal.audit.models import HASHED_COLUMNS

GENESIS_HASH = "0" * 64


def format_instant(moment: datetime) -> str:
    """A UTC instant with microseconds and a `Z`, the one spelling used for hashing and export."""
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_PLAIN_TYPES = (str, int, bool, float, list, dict)


def _canonical_value(value: Any) -> Any:
    if type(value) in _PLAIN_TYPES:  # the common case, checked first: verify runs this for every column
        return value
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)  # IntEnum members hash as their plain number
    if isinstance(value, str):
        return str(value)  # str Enum members hash as their value
    return value


class ColumnValues(Protocol):
    """One entry's columns by name: a result row's `_mapping` (whose keys may also be Column objects) or a dict."""

    def __getitem__(self, name: str, /) -> Any: ...

    def get(self, name: str, /) -> Any: ...


def canonical_entry(values: ColumnValues) -> str:
    """The canonical JSON text of an entry's hashed columns."""
    hashable = {}
    for name in HASHED_COLUMNS:
        value = values.get(name)
        if value is not None:
            hashable[name] = _canonical_value(value)
    return json.dumps(hashable, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def chain_hash(prev_hash: str, canonical: str) -> str:
    """SHA-256 over the previous entry's hash followed by this entry's canonical form, as hex."""
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def entry_hash_of(values: ColumnValues) -> str:
    """The hash an entry with these column values (including `prev_hash`) must carry."""
    return chain_hash(values["prev_hash"], canonical_entry(values))
