"""Break-glass raises an alert to IG and stays in the review queue until reviewed."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from portal.access.alerts import BreakGlassAlert, LogOnlyNotifier, send_break_glass_alert
from portal.data.break_glass import (
    BreakGlassError,
    pending_break_glass_reviews,
    review_break_glass,
    start_break_glass,
)
from portal.data.models import User
from tests.support.policy_fixtures import CHI, NOW

ALERT = BreakGlassAlert(grant_id=12, user_id=3, reason_code="immediate_risk", started_at=NOW,
                        expires_at=NOW + timedelta(minutes=60))


def test_log_only_notifier_logs_the_grant_without_the_child(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="portal.access.alerts"):
        sent = send_break_glass_alert(LogOnlyNotifier(), ALERT)

    assert sent
    assert "grant 12 by user 3, reason immediate_risk" in caplog.text


def test_a_failing_notifier_is_reported_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def notify(self, alert: BreakGlassAlert) -> None:
            raise ConnectionError("mail server down")

    with caplog.at_level(logging.ERROR, logger="portal.access.alerts"):
        sent = send_break_glass_alert(Broken(), ALERT)

    assert not sent
    assert "not sent (ConnectionError)" in caplog.text


def test_every_grant_waits_in_the_review_queue_until_reviewed(session: Session, people: dict[str, User]) -> None:
    first = start_break_glass(session, people["teacher"], CHI, "immediate_risk", "Disclosure in class today", NOW)
    second = start_break_glass(session, people["hv"], CHI, "out_of_hours", "Called by out-of-hours GP",
                               NOW + timedelta(minutes=5))

    assert [g.id for g in pending_break_glass_reviews(session)] == [first.id, second.id]
    review_break_glass(session, first.id, people["admin"].id, "appropriate", "Spoke to the teacher", NOW)

    assert [g.id for g in pending_break_glass_reviews(session)] == [second.id]
    assert first.review_outcome == "appropriate" and first.reviewed_by == people["admin"].id


def test_reviews_cannot_be_self_made_repeated_or_uncoded(session: Session, people: dict[str, User]) -> None:
    grant = start_break_glass(session, people["teacher"], CHI, "immediate_risk", "Disclosure in class today", NOW)

    with pytest.raises(BreakGlassError, match="your own"):
        review_break_glass(session, grant.id, people["teacher"].id, "appropriate", "", NOW)
    with pytest.raises(BreakGlassError, match="outcome"):
        review_break_glass(session, grant.id, people["admin"].id, "fine", "", NOW)
    review_break_glass(session, grant.id, people["admin"].id, "follow_up", "", NOW)
    with pytest.raises(BreakGlassError, match="already been reviewed"):
        review_break_glass(session, grant.id, people["admin"].id, "appropriate", "", NOW)
