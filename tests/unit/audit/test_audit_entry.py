"""Turning what a view showed into an audit entry: ids, counts and labels, never content."""

from __future__ import annotations

import json
from datetime import date

from connectors.models import ChronologyEvent, KeyFact, SourceState, SourceStatus
from portal.audit import AuditInput, EventType, SourceAudit, hash_session_id


def test_source_audit_keeps_ids_counts_and_labels_but_no_content() -> None:
    status = SourceStatus(agency="police", state=SourceState.ANSWERED, elapsed_ms=412, item_count=3,
                          withheld_categories=("police_cp_flag",))  # fmt: skip
    events = [
        ChronologyEvent("police", "Concern Hub", "VPD-1", date(2025, 1, 2), "Concern raised", summary="SECRET-TEXT",
                        security_label="R"),
        ChronologyEvent("police", "Concern Hub", "VPD-2", date(2025, 2, 3), "Referral", summary="MORE-SECRET"),
    ]  # fmt: skip
    facts = [KeyFact("cp_flag", "VALUE-TEXT", "police", "Concern Hub", source_record_id="VPD-1")]

    source = SourceAudit.from_status(status, events, facts)
    stored = json.dumps(AuditInput(event_type=EventType.VIEW_CHILD, sources=(source,)).column_values())

    assert source.record_ids == ("VPD-1", "VPD-2")  # an id shown twice is listed once
    assert source.security_labels == ("N", "R")
    assert (source.status, source.elapsed_ms, source.item_count) == ("answered", 412, 3)
    assert source.withheld_categories == ("police_cp_flag",)
    for content in ("SECRET-TEXT", "MORE-SECRET", "VALUE-TEXT", "Concern raised"):
        assert content not in stored


def test_session_ids_are_stored_only_as_hashes() -> None:
    hashed = hash_session_id("raw-cookie-value")
    assert len(hashed) == 64 and "raw-cookie-value" not in hashed
    assert hashed == hash_session_id("raw-cookie-value") != hash_session_id("another-cookie")
