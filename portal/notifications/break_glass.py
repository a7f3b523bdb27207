"""Who is told when someone breaks the glass, and what they are told.

IG at once (their mailbox by e-mail, and each IG officer's portal queue); the child's lead
professional and allocated workers (from relationships), in the portal and by e-mail, with a
link that opens the child only for them. No CHI, no child's name, no justification text
(it may quote the record): the coded reason's words only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, url_for

from portal.access.alerts import BreakGlassAlert
from portal.access.purposes import BREAK_GLASS_REASONS
from portal.data.notifications import (
    EMAIL,
    PENDING,
    PORTAL,
    actor_description,
    add_notifications,
    ig_officers,
    new_link_token,
    people_working_with,
)
from portal.notifications.badge import notifications_changed
from portal.notifications.dispatch import deliver_soon

RESPONSIBLE_BASES = ("lead_professional", "allocated_worker")
SUBJECT = "A child you work with: record opened in an emergency"
IG_SUBJECT = "Break-glass access started"


def _when(moment: datetime) -> str:
    return moment.strftime("%d %B %Y at %H:%M UTC")


def _practitioner_body(name: str, organisation: str, reason: str, started_at: datetime, link: str | None) -> str:
    """The message; the e-mail copy carries the link, the in-portal copy shows it as a link of its own."""
    opening = (f"Open the child's record (the link works only for you, once you have signed in):\n{link}\n\n"
               if link else "")
    return (f"A record of a child you work with was opened in an emergency by {name}, {organisation}, "
            f"reason {reason}.\n\nWhen: {_when(started_at)}.\n\n{opening}"
            "If you think this access was not justified, tell your information governance team.\n")


def _ig_body(name: str, organisation: str, reason: str, started_at: datetime, link: str | None) -> str:
    queue = f"It is waiting in the break-glass review queue:\n{link}\n" if link else \
        "It is waiting in the break-glass review queue.\n"
    return (f"Break-glass access was started by {name}, {organisation}, reason {reason}.\n\n"
            f"When: {_when(started_at)}.\n\n{queue}")


def _base_url() -> str:
    configured = current_app.config["SETTINGS"].PORTAL_BASE_URL
    return configured.rstrip("/") if configured else url_for("main.home", _external=True).rstrip("/")


def break_glass_notifications(grant_id: int, chi: str, actor_id: int, reason_code: str,
                              started_at: datetime) -> list[dict[str, Any]]:
    """The notification rows for one break-glass start (not yet stored)."""
    name, organisation = actor_description(actor_id)
    reason = BREAK_GLASS_REASONS.get(reason_code, reason_code)
    base = _base_url()
    email_on = bool(current_app.config["SETTINGS"].SMTP_URL)
    rows: list[dict[str, Any]] = []
    for person in people_working_with(chi, started_at, RESPONSIBLE_BASES, exclude_user_id=actor_id):
        token = new_link_token()
        link = base + url_for("notifications.open_link", token=token)
        common = {"kind": "break_glass", "recipient_user_id": person.user_id, "subject": SUBJECT,
                  "link_token": token, "grant_id": grant_id, "status": PENDING}
        rows.append({**common, "channel": PORTAL,
                     "body": _practitioner_body(name, organisation, reason, started_at, None)})
        if email_on and person.email:
            rows.append({**common, "channel": EMAIL, "address": person.email,
                         "body": _practitioner_body(name, organisation, reason, started_at, link)})
    settings = current_app.config["SETTINGS"]
    ig = {"kind": "break_glass_ig", "subject": IG_SUBJECT, "grant_id": grant_id, "status": PENDING}
    if email_on and settings.IG_ALERT_EMAIL:
        rows.append({**ig, "channel": EMAIL, "address": settings.IG_ALERT_EMAIL,
                     "body": _ig_body(name, organisation, reason, started_at, base + url_for("ig.break_glass_queue"))})
    rows += [{**ig, "channel": PORTAL, "recipient_user_id": officer.user_id,
              "body": _ig_body(name, organisation, reason, started_at, None)} for officer in ig_officers()]
    return rows


def notify_break_glass(grant_id: int, chi: str, actor_id: int, reason_code: str, started_at: datetime) -> list[int]:
    """Store the notifications and send them in the background; the ids stored."""
    ids = add_notifications(break_glass_notifications(grant_id, chi, actor_id, reason_code, started_at))
    notifications_changed()
    deliver_soon(ids)
    return ids


class PeopleNotifier:
    """A break-glass notifier (portal.access.alerts protocol) that tells IG and the people working with the child."""

    def __init__(self, chi: str) -> None:
        self._chi = chi  # used to find relationships; never put in a notification

    def notify(self, alert: BreakGlassAlert) -> None:
        notify_break_glass(alert.grant_id, self._chi, alert.user_id, alert.reason_code, alert.started_at)
