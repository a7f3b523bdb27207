"""Check the whole hash chain, streaming in batches, and name the first entry that breaks it.

What each check catches:
- a changed field: the entry's own hash no longer matches its contents;
- a deleted entry: a gap in the sequence at the entry after it;
- an inserted or reordered entry: its sequence, prev_hash or hash no longer fit.
Deleting entries from the *end* leaves a shorter chain that is still internally
consistent; only a head anchored outside the portal (see head.py) reveals that,
so `verify_chain` accepts one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from portal.audit.bind import Bind, read_connection
from portal.audit.canonical import GENESIS_HASH, ColumnValues, entry_hash_of
from portal.audit.models import audit_entries

DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of a verification. `first_bad_sequence` names the first entry that fails a check."""

    ok: bool
    entries_checked: int
    first_bad_sequence: int | None = None
    problem: str | None = None
    last_sequence: int = 0
    last_hash: str = GENESIS_HASH


class _ChainBroken(Exception):
    def __init__(self, sequence: int, problem: str) -> None:
        super().__init__(problem)
        self.sequence = sequence
        self.problem = problem


def _stream_entries(connection: Connection, batch_size: int, after: int = 0) -> Iterator[ColumnValues]:
    """Every entry after sequence `after`, in order, fetched in keyset-paged batches so memory stays flat."""
    last_sequence = after
    while True:
        batch = connection.execute(
            select(audit_entries)
            .where(audit_entries.c.sequence > last_sequence)
            .order_by(audit_entries.c.sequence)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        for row in batch:
            yield row._mapping
        last_sequence = batch[-1].sequence


def _check_entry(entry: ColumnValues, expected_sequence: int, expected_prev_hash: str) -> None:
    sequence = entry["sequence"]
    if sequence != expected_sequence:
        missing = (
            f"entry {expected_sequence}"
            if sequence == expected_sequence + 1
            else (f"entries {expected_sequence} to {sequence - 1}")
        )
        raise _ChainBroken(sequence, f"sequence gap before entry {sequence}: {missing} missing")
    if entry["prev_hash"] != expected_prev_hash:
        before = "the genesis hash" if sequence == 1 else f"the hash of entry {sequence - 1}"
        raise _ChainBroken(sequence, f"entry {sequence}: prev_hash does not match {before}")
    if entry_hash_of(entry) != entry["entry_hash"]:
        raise _ChainBroken(sequence, f"entry {sequence}: entry_hash does not match its contents")


def _check_anchor(anchor: Mapping[str, Any] | None, sequence: int, entry_hash: str) -> None:
    if anchor is not None and sequence == int(anchor["sequence"]) and entry_hash != anchor["entry_hash"]:
        raise _ChainBroken(sequence, f"entry {sequence} differs from the anchored head")


def verify_chain(
    bind: Bind, *, anchor: Mapping[str, Any] | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> VerifyResult:
    """Verify every entry from genesis to the head.

    `anchor` is an earlier head (`{"sequence", "entry_hash"}`, e.g. from `signed_head` and
    checked with `verify_head` first): the chain must still contain that entry unchanged.
    """
    checked = 0
    prev_hash = GENESIS_HASH
    try:
        with read_connection(bind) as connection:
            for entry in _stream_entries(connection, batch_size):
                _check_entry(entry, checked + 1, prev_hash)
                _check_anchor(anchor, entry["sequence"], entry["entry_hash"])
                prev_hash = entry["entry_hash"]
                checked += 1
        if anchor is not None and int(anchor["sequence"]) > checked:
            anchored = int(anchor["sequence"])
            problem = f"the chain ends at entry {checked} but the anchored head is entry {anchored}: entries cut off"
            raise _ChainBroken(anchored, problem)
    except _ChainBroken as broken:
        return VerifyResult(
            ok=False,
            entries_checked=checked,
            first_bad_sequence=broken.sequence,
            problem=broken.problem,
            last_sequence=checked,
            last_hash=prev_hash,
        )
    return VerifyResult(ok=True, entries_checked=checked, last_sequence=checked, last_hash=prev_hash)


def verify_since_anchor(
    bind: Bind, anchor: Mapping[str, Any], *, batch_size: int = DEFAULT_BATCH_SIZE
) -> VerifyResult:
    """Verify only what was written after a previously verified head (`anchor`, checked with `verify_head`
    first): the anchored entry must still be there, unchanged and carrying the anchored hash, and every
    entry after it must chain on from it. Entries before the anchor are not re-read: a full `verify_chain`,
    run less often, is what re-checks them.
    """
    anchored = int(anchor["sequence"])
    if anchored <= 0:
        return verify_chain(bind, batch_size=batch_size)
    checked = 0
    prev_hash = str(anchor["entry_hash"])
    try:
        with read_connection(bind) as connection:
            head = connection.execute(select(audit_entries).where(audit_entries.c.sequence == anchored)).first()
            if head is None:
                raise _ChainBroken(anchored, f"the anchored entry {anchored} is missing: entries cut off or deleted")
            entry: ColumnValues = head._mapping
            if entry["entry_hash"] != prev_hash:
                raise _ChainBroken(anchored, f"entry {anchored} differs from the anchored head")
            if entry_hash_of(entry) != prev_hash:
                raise _ChainBroken(anchored, f"entry {anchored}: entry_hash does not match its contents")
            checked = 1
            for entry in _stream_entries(connection, batch_size, after=anchored):
                _check_entry(entry, anchored + checked, prev_hash)
                prev_hash = entry["entry_hash"]
                checked += 1
    except _ChainBroken as broken:
        return VerifyResult(ok=False, entries_checked=checked, first_bad_sequence=broken.sequence,
                            problem=broken.problem, last_sequence=anchored + checked - 1, last_hash=prev_hash)
    return VerifyResult(ok=True, entries_checked=checked, last_sequence=anchored + checked - 1, last_hash=prev_hash)
