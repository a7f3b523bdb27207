"""The only code that appends to the trail: serialised, chained, committed before it returns.

Several portal processes may write at once, so appends take a store-wide lock, read the
head, and insert the next sequence number chained to it. Every other writer waits while
the lock is held, so on PostgreSQL it is held for one round trip: one autocommit call of
`audit_append` (migration 0005) takes a transaction-scoped advisory lock, reads the head,
inserts, and its commit releases the lock. The entry's canonical form is still built here;
only its sequence number is not known until the lock is held, so the function is sent the
canonical text on either side of it and hashes `prev_hash || before || sequence || after`,
the bytes `verify_chain` hashes; the writer checks the hash it gets back. SQLite (BEGIN
IMMEDIATE) takes the lock, reads the head and inserts from here. The primary key on
`sequence` and the unique `prev_hash` are a second line of defence: if the lock ever
failed, a fork in the chain is refused rather than written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text

from portal.audit.bind import HasEngine, resolve_engine
from portal.audit.canonical import GENESIS_HASH, canonical_entry, chain_hash, entry_hash_of, format_instant
from portal.audit.entry import AuditInput, RecordedEntry
from portal.audit.models import audit_entries

# One fixed 64-bit key for pg_advisory_xact_lock, derived from a name so it is unlikely to clash.
# Migration 0005's audit_append holds the same number: the two must lock each other out.
CHAIN_LOCK_KEY = int.from_bytes(hashlib.sha256(b"portal.audit.chain").digest()[:8], "big", signed=True)
# Lock, read the head, insert and commit, all in one round trip (the connection is in autocommit).
_APPEND_STATEMENT = text("SELECT sequence, prev_hash, entry_hash FROM audit_append(CAST(:entries AS json))")


class AuditUnavailable(RuntimeError):
    """The audit store could not be written. Callers must fail closed: show no content."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def _describe_failure(error: BaseException) -> str:
    """A short reason for logs: the driver's first line only.

    SQLAlchemy's own message appends the bound parameters and PostgreSQL's DETAIL can
    quote the whole row, either of which may hold a CHI, so neither is passed on.
    """
    driver_error = getattr(error, "orig", None) or error
    first_line = str(driver_error).strip().splitlines()[0] if str(driver_error).strip() else ""
    return f"{type(driver_error).__name__}: {first_line[:200]}"


class AuditWriter:
    """Appends entries to the hash-chained trail. Safe to share between threads and processes."""

    def __init__(self, bind: Engine | HasEngine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._bind = bind
        self._clock = clock

    def record(self, entry: AuditInput) -> RecordedEntry:
        """Append one entry and commit it; raises AuditUnavailable if it is not durably written."""
        return self.record_many([entry])[0]

    def record_many(self, entries: Sequence[AuditInput]) -> list[RecordedEntry]:
        """Append several entries in one transaction (e.g. one per child a search returned): all or none."""
        if not entries:
            return []
        try:
            # Everything that does not depend on the chain head is worked out before the lock is taken:
            # every other writer, in every process, waits while it is held.
            prepared = [entry.column_values() for entry in entries]
            engine = resolve_engine(self._bind)
            with engine.connect() as connection:
                try:
                    if connection.dialect.name == "postgresql":
                        rows = _append_postgres(connection, prepared, self._recorded_at())
                    else:
                        rows = self._append(connection, prepared)  # SQLite: lock, head and insert from here
                    connection.commit()
                except Exception:
                    # Never pool a connection that failed to write: a SQLite handle opened while the file was
                    # read-only stays read-only, and would keep refusing after write access is restored.
                    connection.invalidate()
                    raise
            return [RecordedEntry.from_row(row) for row in rows]
        except Exception as error:  # any failure at all means "not recorded": the caller must fail closed
            raise AuditUnavailable(f"audit store unavailable ({_describe_failure(error)})") from None

    def _append(self, connection: Connection, prepared: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        _lock_chain(connection)
        head = connection.execute(
            select(audit_entries.c.sequence, audit_entries.c.entry_hash)
            .order_by(audit_entries.c.sequence.desc())
            .limit(1)
        ).first()
        sequence, prev_hash = (head.sequence, head.entry_hash) if head else (0, GENESIS_HASH)
        recorded_at = self._recorded_at()
        rows = []
        for column_values in prepared:
            sequence += 1
            values = {**column_values, "sequence": sequence, "recorded_at": recorded_at, "prev_hash": prev_hash}
            values["entry_hash"] = entry_hash_of(values)
            rows.append(values)
            prev_hash = values["entry_hash"]
        connection.execute(insert(audit_entries), rows)
        return rows

    def _recorded_at(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:  # astimezone would silently read it as the server's local time
            raise ValueError("the audit clock must return timezone-aware datetimes")
        return now.astimezone(UTC)


def canonical_around_sequence(values: dict[str, Any]) -> tuple[str, str]:
    """The canonical text of an entry before and after its sequence number, which only the lock holder knows.

    The canonical form is one JSON object with sorted keys and `sequence` always among them, so it is
    the members sorting before "sequence", then `"sequence":N`, then the members sorting after it.
    """
    before = canonical_entry({name: value for name, value in values.items() if name < "sequence"})
    after = canonical_entry({name: value for name, value in values.items() if name > "sequence"})
    head = before[:-1] + ("," if before != "{}" else "") + '"sequence":'
    tail = ("," + after[1:]) if after != "{}" else "}"
    return head, tail


def _append_postgres(
    connection: Connection, prepared: Sequence[dict[str, Any]], recorded_at: datetime
) -> list[dict[str, Any]]:
    """Append through `audit_append` in one round trip; the time is taken before the lock, not under it."""
    # Autocommit: the call is its own transaction, so its commit (which releases the lock) needs no second trip.
    connection.execution_options(isolation_level="AUTOCOMMIT")
    rows = [{**column_values, "recorded_at": recorded_at} for column_values in prepared]
    payload, pieces = [], []
    for row in rows:
        head, tail = canonical_around_sequence(row)
        pieces.append((head, tail))
        payload.append({"row": {**row, "recorded_at": format_instant(recorded_at)}, "head": head, "tail": tail})
    # ASCII JSON (\u escapes): the function reads the same characters whatever the client encoding.
    appended = connection.execute(_APPEND_STATEMENT, {"entries": json.dumps(payload, allow_nan=False)}).all()
    if len(appended) != len(rows):
        raise RuntimeError(f"audit_append stored {len(appended)} of {len(rows)} entries")
    for row, stored, (head, tail) in zip(rows, appended, pieces, strict=True):
        row.update(sequence=stored.sequence, prev_hash=stored.prev_hash, entry_hash=stored.entry_hash)
        # head + sequence + tail is the canonical form `verify` hashes (tests/unit/audit/test_canonical_split.py),
        # so this is `entry_hash_of(row)` without encoding the whole entry a third time.
        if chain_hash(stored.prev_hash, f"{head}{stored.sequence}{tail}") != stored.entry_hash:
            # committed, but `verify` would flag it: say so, fail closed
            raise RuntimeError(f"entry {row['sequence']} was stored with a hash its canonical form does not give")
    return rows


def _lock_chain(connection: Connection) -> None:
    """Take the store-wide append lock for the rest of this transaction (PostgreSQL's is in audit_append)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        # pysqlite would otherwise begin lazily at the INSERT, after we read a head that may be stale.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        raise AuditUnavailable(f"unsupported audit store dialect: {dialect}")
