"""The only code that appends to the trail: serialised, chained, committed before it returns.

Several portal processes may write at once. Each append takes a store-wide lock inside
its transaction (PostgreSQL: a transaction-scoped advisory lock; SQLite: BEGIN
IMMEDIATE), reads the head, and inserts the next sequence number chained to it. The
primary key on `sequence` and the unique `prev_hash` are a second line of defence:
if the lock ever failed, a fork in the chain is refused rather than written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text

from portal.audit.bind import HasEngine, resolve_engine
from portal.audit.canonical import GENESIS_HASH, entry_hash_of
from portal.audit.entry import AuditInput, RecordedEntry
from portal.audit.models import audit_entries

# One fixed 64-bit key for pg_advisory_xact_lock, derived from a name so it is unlikely to clash.
CHAIN_LOCK_KEY = int.from_bytes(hashlib.sha256(b"portal.audit.chain").digest()[:8], "big", signed=True)


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
                    rows = self._append(connection, prepared)
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
        now = self._clock()
        if now.tzinfo is None:  # astimezone would silently read it as the server's local time
            raise ValueError("the audit clock must return timezone-aware datetimes")
        recorded_at = now.astimezone(UTC)
        rows = []
        for column_values in prepared:
            sequence += 1
            values = {**column_values, "sequence": sequence, "recorded_at": recorded_at, "prev_hash": prev_hash}
            values["entry_hash"] = entry_hash_of(values)
            rows.append(values)
            prev_hash = values["entry_hash"]
        connection.execute(insert(audit_entries), rows)
        return rows


def _lock_chain(connection: Connection) -> None:
    """Take the store-wide append lock for the rest of this transaction."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # READ COMMITTED so the head query, run after the lock is granted, sees the previous writer's commit.
        connection.execution_options(isolation_level="READ COMMITTED")
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    elif dialect == "sqlite":
        # pysqlite would otherwise begin lazily at the INSERT, after we read a head that may be stale.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        raise AuditUnavailable(f"unsupported audit store dialect: {dialect}")
