"""Binding and notifications on PostgreSQL: the same queries, the same answers (required in CI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import build_app, dispose_engines, make_settings
from tests.integration.access.conftest import give_relationship, user_named
from tests.support.postgres import fresh_database
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.postgres
CHI = "0101151004"


def test_binding_break_glass_notifications_and_retry_on_postgres(tmp_path: Path) -> None:
    from portal.data.access_lookup import begin_break_glass
    from portal.data.notifications import due_for_retry, inbox, unread_count
    from portal.data.sso import resolve_identity
    from portal.notifications.break_glass import notify_break_glass

    with fresh_database() as url, smtp_server() as (mailbox, port):
        app = build_app(make_settings(tmp_path, DATABASE_URL=url, SMTP_URL=f"smtp://127.0.0.1:{port}",
                                      IG_ALERT_EMAIL="ig@glenmorven.example"))
        try:
            with app.app_context():
                assert resolve_identity("https://idp", "s-1", "teacher@glenmorven.example", True, []).newly_bound
                conflict = resolve_identity("https://idp", "s-2", "teacher@glenmorven.example", True, [])
                assert conflict.problem == "subject_conflict"
                now = datetime.now(UTC)
                give_relationship("lead.professional", CHI, starts=now - timedelta(days=1), basis="lead_professional")
                teacher, lead = user_named("teacher"), user_named("lead.professional")
                started = begin_break_glass(teacher, CHI, "immediate_risk", "Injuries seen at school this morning.",
                                            now)
            with app.test_request_context("/"):
                notify_break_glass(started.grant_id, CHI, teacher.id, "immediate_risk", now)
            for thread in app.extensions["notification_threads"]:
                thread.join(timeout=30)
            with app.app_context():
                assert [item.subject for item in inbox(lead.id)] == [
                    "A child you work with: record opened in an emergency"]
                assert unread_count(lead.id) == 1
                assert due_for_retry(5) == []  # everything was delivered
            assert {str(m["To"]) for m in mailbox.messages} == {"lead.professional@glenmorven.example",
                                                                 "ig@glenmorven.example"}
        finally:
            dispose_engines()
