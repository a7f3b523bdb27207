"""The bench's synthetic trail, built from a pool of canonical entries with markers, is a chain `verify` accepts,
with every entry's own time, sequence, user and child."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bench.synthetic_trail import load
from portal.audit.verify import verify_chain
from tests.support.audit_store import migrated_audit_engine


@pytest.mark.postgres
def test_the_pooled_synthetic_trail_verifies_and_varies(tmp_path: Path) -> None:
    with migrated_audit_engine("postgresql", tmp_path, "synthetic_trail") as engine:
        end = datetime(2026, 6, 1, tzinfo=UTC)
        load(engine, 3000, end=end, span=timedelta(days=3))
        result = verify_chain(engine, batch_size=500)
        assert (result.ok, result.entries_checked) == (True, 3000)
        with engine.connect() as connection:
            first, last, users, children = connection.execute(text(
                "SELECT MIN(recorded_at), MAX(recorded_at), COUNT(DISTINCT user_id), COUNT(DISTINCT subject_chi) "
                "FROM audit_entries")).one()
        assert first > end - timedelta(days=3) and last == end
        assert users > 300 and children > 1500
