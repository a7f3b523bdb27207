"""The writer sends PostgreSQL an entry's canonical text split around its sequence number; the pieces,
joined around any number, must be exactly the canonical form `verify` hashes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.audit import AuditInput, EventType, SourceAudit
from portal.audit.canonical import canonical_entry
from portal.audit.writer import canonical_around_sequence

RECORDED_AT = datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=UTC)

ENTRIES = {
    "a view with sources": AuditInput(
        event_type=EventType.VIEW_CHILD, user_id="u-1", user_display_name="Siobhán Ó Dónaill", subject_chi="0101201234",
        sources=(SourceAudit("health", "answered", elapsed_ms=12, item_count=2, record_ids=("enc-1", "enc-2")),),
        details={"page": 2}),
    "details that hold a 'sequence' key of their own": AuditInput(
        event_type=EventType.SEARCH, details={"sequence": 0, "z": {"sequence": [1, 2]}, "note": '"sequence":'}),
    "almost every optional field empty": AuditInput(event_type=EventType.SIGN_OUT),
    "characters JSON escapes": AuditInput(
        event_type=EventType.REFUSED, outcome_text='quote " backslash \\ tab \t newline \n emoji \U0001f600'),
}  # fmt: skip


@pytest.mark.parametrize("entry", ENTRIES.values(), ids=ENTRIES.keys())
@pytest.mark.parametrize("sequence", [1, 9, 10, 1234567890123])
def test_the_pieces_around_any_sequence_rebuild_the_canonical_form(entry: AuditInput, sequence: int) -> None:
    values = {**entry.column_values(), "recorded_at": RECORDED_AT}

    head, tail = canonical_around_sequence(values)

    assert head + str(sequence) + tail == canonical_entry({**values, "sequence": sequence})
