"""`flask portal transparency rollup` through Flask's CLI runner: whole past days once, never today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import text

from portal.audit import AuditInput, SourceAudit
from portal.extensions import audit_db


def _view() -> AuditInput:
    return AuditInput(event_type="view_child", organisation="health: NHS Glenmorven", user_role="practitioner",
                      purpose_code="child_protection", subject_chi="0101011237", user_id="u1",
                      sources=(SourceAudit("health", "answered", 120, 3),))


def _summarised_days() -> list[str]:
    with audit_db.engine.connect() as connection:  # type: ignore[union-attr]
        return [row[0] for row in connection.execute(text("SELECT day FROM audit_rollup_days ORDER BY day"))]


def test_rollup_summarises_past_days_once_and_leaves_today_raw(app: Flask, seed) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    seed(_view(), at=now - timedelta(days=2))
    seed(_view(), _view())
    runner = app.test_cli_runner()

    first = runner.invoke(args=["portal", "transparency", "rollup"])
    assert first.exit_code == 0, first.output
    two_days_ago, yesterday = (now - timedelta(days=2)).date(), (now - timedelta(days=1)).date()
    assert f"Summarised 2 day(s): {two_days_ago.isoformat()} to {yesterday.isoformat()}." in first.output
    assert _summarised_days() == [two_days_ago.isoformat(), yesterday.isoformat()]

    again = runner.invoke(args=["portal", "transparency", "rollup"])
    assert again.exit_code == 0, again.output
    assert "Nothing to summarise" in again.output
    assert _summarised_days() == [two_days_ago.isoformat(), yesterday.isoformat()]
