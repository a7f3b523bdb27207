"""Delivering notifications: each attempt recorded on the notification and in the audit trail.

Break-glass notifications are sent from a background thread after the grant has committed,
so a slow or broken mail server never delays emergency access; what fails is retried by
`flask portal notifications retry` (bounded attempts).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from flask import Flask, current_app
from flask.globals import app_ctx

from portal.data.notifications import EMAIL, PORTAL, OutgoingNotification, due_for_retry, outgoing, record_attempt
from portal.notifications.channels import Channel, DeliveryError, EmailChannel, PortalChannel

log = logging.getLogger(__name__)


def channels() -> dict[str, Channel]:
    """The channels this portal has: in-portal always, e-mail when SMTP_URL is set."""
    settings = current_app.config["SETTINGS"]
    found: dict[str, Channel] = {PORTAL: PortalChannel()}
    if settings.SMTP_URL:
        found[EMAIL] = EmailChannel(settings.SMTP_URL, settings.SMTP_SENDER, settings.SMTP_STARTTLS,
                                    settings.SMTP_TIMEOUT_S,
                                    str(settings.SMTP_CA_FILE) if settings.SMTP_CA_FILE else None)
    return found


def _audit(notification: OutgoingNotification, status: str, error: str | None) -> None:
    from portal.audit import trail

    trail.record("notification_delivery", user=None, outcome=0 if status == "sent" else 4,
                    outcome_text=None if status == "sent" else f"delivery {status}: {error}",
                    details={"notification": notification.id, "kind": notification.kind,
                             "channel": notification.channel, "recipient": notification.recipient_label,
                             "status": status, "attempt": notification.attempts + 1})


def deliver(notifications: Sequence[OutgoingNotification]) -> dict[int, str]:
    """Try each notification once on its channel; the resulting status per notification id."""
    available = channels()
    max_attempts = current_app.config["SETTINGS"].NOTIFY_MAX_ATTEMPTS
    results = {}
    for notification in notifications:
        channel = available.get(notification.channel)
        error = None
        try:
            if channel is None:
                raise DeliveryError(f"no {notification.channel} channel configured")
            channel.deliver(notification)
        except DeliveryError as failure:
            error = str(failure)
        status = record_attempt(notification.id, error is None, error, max_attempts)
        if error:
            log.warning("notification %s on %s not delivered (%s)", notification.id, notification.channel, error)
        try:
            _audit(notification, status, error)
        except Exception as failure:  # the trail being down must not stop the other deliveries
            log.error("audit entry for notification %s not written (%s)", notification.id, type(failure).__name__)
        results[notification.id] = status
    return results


def deliver_ids(ids: Sequence[int]) -> dict[int, str]:
    return deliver(outgoing(ids))


def _deliver_in_background(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver_ids(ids)
        except Exception as error:  # left pending: the retry command picks them up
            log.error("notification delivery stopped (%s); retry will resend", type(error).__name__)


def deliver_soon(ids: Sequence[int]) -> threading.Thread:
    """Send from a background thread (never in the request's critical path)."""
    app = app_ctx.app  # the app itself, not the current_app proxy: the thread has no app context
    thread = threading.Thread(target=_deliver_in_background, args=(app, list(ids)), daemon=True,
                              name="notification-delivery")
    running = [t for t in app.extensions.get("notification_threads", []) if t.is_alive()]
    app.extensions["notification_threads"] = [*running, thread]  # so tests (and shutdown) can wait for them
    thread.start()
    return thread


def retry_due() -> dict[int, str]:
    """One more attempt for every pending or failed notification with attempts left."""
    return deliver(due_for_retry(current_app.config["SETTINGS"].NOTIFY_MAX_ATTEMPTS))
