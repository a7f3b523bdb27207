"""Notifications over a real SMTP server: break-glass never waits for mail, failures are recorded and retried."""

from __future__ import annotations

import inspect
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import create_app
from portal.config import ConfigurationError
from tests.conftest import dispose_engines, extract_csrf, make_settings
from tests.integration.access.conftest import give_relationship
from tests.support.smtp import Inbox, _free_port, smtp_server

CHI = "0101151004"
IG_MAILBOX = "ig-team@glenmorven.example"
LEAD_EMAIL = "lead.professional@glenmorven.example"
JUSTIFICATION = "Child presenting at school with injuries; allocated worker not reachable by phone."


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


def _app(template_database: Path, tmp_path: Path, smtp_port: int, **overrides: object) -> Flask:
    shutil.copyfile(template_database, tmp_path / "portal.db")
    return create_app(make_settings(tmp_path, SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", IG_ALERT_EMAIL=IG_MAILBOX,
                                    PORTAL_BASE_URL="https://portal.glenmorven.example", **overrides))


@pytest.fixture
def notify_app(template_database: Path, tmp_path: Path, smtp: tuple[Inbox, int]) -> Iterator[Flask]:
    app = _app(template_database, tmp_path, smtp[1])
    with app.app_context():
        give_relationship("lead.professional", CHI, starts=datetime.now(UTC) - timedelta(days=10),
                          basis="lead_professional")
    yield app
    _wait_for_deliveries(app)
    dispose_engines()


def _wait_for_deliveries(app: Flask) -> None:
    for thread in app.extensions.get("notification_threads", []):
        thread.join(timeout=30)


def _child_token(app: Flask, client: FlaskClient) -> str:
    """The teacher's link to the child, as the search would make it in this client's session."""
    from portal.children.reference import ChildReference, encode_reference
    from portal.data.users import list_users

    with app.app_context():
        user_id = next(u.id for u in list_users() if u.username == "teacher")
    extra = {}
    if "session_key" in inspect.signature(encode_reference).parameters:  # links bound to server-side sessions
        with client.session_transaction() as session:
            extra["session_key"] = session.get("reference_key", "")
    return encode_reference(ChildReference(chi=CHI, purpose="child_protection", user_id=user_id),
                            app.config["SECRET_KEY"], **extra)


def _break_glass(app: Flask) -> int:
    """The teacher breaks the glass through the real form; the response status."""
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    from tests.support.accounts import TEST_PASSWORD

    client.post("/sign-in", data={"username": "teacher", "password": TEST_PASSWORD, "csrf_token": extract_csrf(page)})
    token = _child_token(app, client)
    csrf = extract_csrf(client.get("/").get_data(as_text=True))
    response = client.post(f"/children/{token}/break-glass",
                           data={"csrf_token": csrf, "reason": "immediate_risk", "justification": JUSTIFICATION})
    return response.status_code


def _deliveries(app: Flask) -> list[tuple[str, str, str, int]]:
    from portal.data.notifications import Notification
    from portal.extensions import db

    with app.app_context(), db.session() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id))
        return [(n.channel, n.address or str(n.recipient_user_id), n.status, n.attempts) for n in rows]


def _audited(app: Flask) -> list[dict]:
    from portal.audit.queries import iter_entries
    from portal.extensions import audit_db

    with app.app_context():
        return [e.details for e in iter_entries(audit_db.engine) if e.event_type == "notification_delivery"]


def test_break_glass_emails_the_lead_professional_and_ig_without_the_child(notify_app: Flask, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, _ = smtp
    assert _break_glass(notify_app) == 302
    (lead,) = inbox.wait_for(LEAD_EMAIL)
    (ig,) = inbox.wait_for(IG_MAILBOX)
    body = lead.get_content()
    assert "opened in an emergency by Sam Reid, Glenmorven Council Education (Kilbrae Primary School)" in body
    assert "https://portal.glenmorven.example/notifications/open/" in body
    assert "/ig/break-glass" in ig.get_content()
    for message in (lead, ig):
        assert CHI not in message.as_string() and JUSTIFICATION not in message.as_string()
    _wait_for_deliveries(notify_app)
    assert {(d["recipient"], d["channel"], d["status"]) for d in _audited(notify_app)} >= {
        ("lead.professional", "email", "sent"), ("IG mailbox", "email", "sent"), ("ig.officer", "portal", "sent")}


def test_a_refusing_mail_server_does_not_block_break_glass_and_retry_delivers_later(notify_app: Flask, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, _ = smtp
    inbox.refuse = True
    assert _break_glass(notify_app) == 302  # emergency access granted all the same
    _wait_for_deliveries(notify_app)
    emails = [d for d in _deliveries(notify_app) if d[0] == "email"]
    assert sorted(emails) == [("email", IG_MAILBOX, "failed", 1), ("email", LEAD_EMAIL, "failed", 1)]
    assert inbox.messages == []
    assert {(d["channel"], d["status"]) for d in _audited(notify_app)} == {("email", "failed"), ("portal", "sent")}

    inbox.refuse = False
    result = notify_app.test_cli_runner().invoke(args=["portal", "notifications", "retry"])
    assert result.exit_code == 0, result.output
    assert "Pass 1: 2 sent, 0 not sent." in result.output
    assert len(inbox.wait_for(LEAD_EMAIL)) == 1
    assert sorted(d for d in _deliveries(notify_app) if d[0] == "email") == [
        ("email", IG_MAILBOX, "sent", 2), ("email", LEAD_EMAIL, "sent", 2)]
    assert [d["attempt"] for d in _audited(notify_app) if d["channel"] == "email" and d["status"] == "sent"] == [2, 2]


def test_an_unreachable_mail_server_is_given_up_on_after_the_configured_attempts(  # type: ignore[no-untyped-def]
        template_database: Path, tmp_path: Path) -> None:
    app = _app(template_database, tmp_path, _free_port(), NOTIFY_MAX_ATTEMPTS=2)  # nothing listens there
    with app.app_context():
        give_relationship("lead.professional", CHI, starts=datetime.now(UTC) - timedelta(days=10),
                          basis="lead_professional")
    try:
        assert _break_glass(app) == 302
        _wait_for_deliveries(app)
        runner = app.test_cli_runner()
        first = runner.invoke(args=["portal", "notifications", "retry"])
        assert first.exit_code == 1 and "Pass 1: 0 sent, 2 not sent." in first.output
        assert {d[2] for d in _deliveries(app) if d[0] == "email"} == {"gave_up"}
        second = runner.invoke(args=["portal", "notifications", "retry"])
        assert "Pass 1: 0 sent, 0 not sent." in second.output  # nothing is tried a third time
    finally:
        dispose_engines()


def test_the_daily_digest_counts_flags_for_ig_without_naming_anyone(notify_app: Flask, smtp) -> None:  # type: ignore[no-untyped-def]
    from portal.audit import trail

    inbox, _ = smtp
    with notify_app.app_context():
        for _ in range(3):  # three refusals in a day: the "repeated refusals" flag
            trail.record("refused", outcome=4, subject_chi=CHI, details={"route": "show_child"},
                            user_id="teacher", user_display_name="Sam Reid", user_role="practitioner")
    result = notify_app.test_cli_runner().invoke(args=["portal", "notifications", "digest"])
    assert result.exit_code == 0, result.output
    (digest,) = inbox.wait_for(IG_MAILBOX)
    text = digest.get_content()
    assert "- Repeated refusals: 1" in text and "- Out-of-hours views: 0" in text
    assert CHI not in text and "teacher" not in text and "Sam Reid" not in text
    assert "https://portal.glenmorven.example/ig/dashboard" in text


def test_production_refuses_unencrypted_smtp(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SMTP_URL must use smtps:// or SMTP_STARTTLS"):
        make_settings(tmp_path, PORTAL_ENV="production", SECRET_KEY="k" * 40, AUDIT_HMAC_KEY="h",
                      DATABASE_URL="postgresql://db/portal", SMTP_URL="smtp://mail.example:25")


def test_the_link_asks_why_and_opens_the_child_only_for_its_recipient(notify_app: Flask, smtp) -> None:  # type: ignore[no-untyped-def]
    from tests.support.accounts import TEST_PASSWORD

    inbox, _ = smtp
    assert _break_glass(notify_app) == 302
    (mail,) = inbox.wait_for(LEAD_EMAIL)
    found = re.search(r"https://portal\.glenmorven\.example(/notifications/open/\S+)", mail.get_content())
    assert found is not None
    path = found.group(1)

    def client_for(username: str):  # type: ignore[no-untyped-def]
        client = notify_app.test_client()
        csrf = extract_csrf(client.get("/sign-in").get_data(as_text=True))
        client.post("/sign-in", data={"username": username, "password": TEST_PASSWORD, "csrf_token": csrf})
        return client

    other = client_for("health.visitor")
    assert other.get(path).status_code == 404
    lead = client_for("lead.professional")
    assert 'data-testid="notifications-badge"' in lead.get("/").get_data(as_text=True)  # unread until opened
    form = lead.get(path)
    assert form.status_code == 200 and "Why do you need to see this child" in form.get_data(as_text=True)
    # Following the link read it in this very request: the header counts afresh, not as the user was loaded.
    assert 'data-testid="notifications-badge"' not in form.get_data(as_text=True)
    csrf = extract_csrf(form.get_data(as_text=True))
    assert lead.post(path, data={"csrf_token": csrf}).status_code == 400  # no purpose chosen
    opened = lead.post(path, data={"csrf_token": csrf, "purpose": "lead_professional_review"})
    assert opened.status_code == 302 and "/children/" in opened.headers["Location"]
    assert CHI not in opened.headers["Location"]
    assert 'data-testid="notifications-badge"' not in lead.get("/").get_data(as_text=True)  # read by opening it


def test_retry_leaves_fresh_pending_mail_to_the_background_sender(notify_app: Flask, smtp) -> None:  # type: ignore[no-untyped-def]
    """A notification the background sender may still be sending is not sent a second time by the retry command."""
    from portal.data.notifications import add_notifications

    inbox, _ = smtp
    row = {"kind": "ig_digest", "channel": "email", "address": IG_MAILBOX, "subject": "s", "body": "b",
           "status": "pending"}
    with notify_app.app_context():
        add_notifications([row, {**row, "address": LEAD_EMAIL, "created_at": datetime.now(UTC) - timedelta(minutes=5)}])
    result = notify_app.test_cli_runner().invoke(args=["portal", "notifications", "retry"])
    assert "Pass 1: 1 sent, 0 not sent." in result.output
    assert len(inbox.wait_for(LEAD_EMAIL)) == 1 and inbox.to(IG_MAILBOX) == []
