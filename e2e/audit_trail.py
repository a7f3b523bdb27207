"""Reading the live portal's audit trail from a browser test (the same store IG search reads)."""

from __future__ import annotations

from sqlalchemy import create_engine

from portal.audit.entry import RecordedEntry
from portal.audit.queries import iter_entries


def entries(database_url: str, event_type: str) -> list[RecordedEntry]:
    """Every entry of `event_type`, oldest first."""
    engine = create_engine(database_url)
    try:
        return [e for e in iter_entries(engine) if e.event_type == event_type]
    finally:
        engine.dispose()
