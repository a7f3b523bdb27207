"""The daily digest for information governance: how many of each flag the last day raised.

Counts only, and a link to the IG dashboard: no CHI, no names, no user ids of the people flagged
(the dashboard, behind IG sign-in, shows who and which entries).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app

from portal.audit.queries import iter_entries
from portal.data.notifications import EMAIL, PENDING, PORTAL, add_notifications, ig_officers
from portal.extensions import audit_db
from portal.ig.blueprint import flag_thresholds, hmac_key
from portal.ig.flags import FLAG_TITLES, all_flags
from portal.notifications.badge import notifications_changed
from portal.notifications.dispatch import deliver_ids

SUBJECT = "Daily IG digest: flags to review"


def digest_text(counts: dict[str, int], since: datetime, until: datetime, link: str) -> str:
    lines = [f"Flags raised between {since:%d %B %Y %H:%M} and {until:%d %B %Y %H:%M} UTC:", ""]
    lines += [f"- {FLAG_TITLES[kind]}: {count}" for kind, count in counts.items()]
    if not any(counts.values()):
        lines += ["", "Nothing was flagged."]
    lines += ["", f"Review them on the IG dashboard: {link}", ""]
    return "\n".join(lines)


def send_digest(until: datetime | None = None, hours: int = 24) -> dict[int, str]:
    """Count the last `hours` of flags and tell IG (mailbox and portal queue); delivery status per notification."""
    until = until or datetime.now(UTC)
    since = until - timedelta(hours=hours)
    entries = [e for e in iter_entries(audit_db, since=since) if e.recorded_at < until]
    counts = {kind: len(found) for kind, found in all_flags(entries, hmac_key(), flag_thresholds()).items()}
    settings = current_app.config["SETTINGS"]
    base = (settings.PORTAL_BASE_URL or "").rstrip("/")
    body = digest_text(counts, since, until, f"{base}/ig/dashboard")
    rows = [{"kind": "ig_digest", "channel": PORTAL, "recipient_user_id": officer.user_id, "subject": SUBJECT,
             "body": body, "status": PENDING} for officer in ig_officers()]
    if settings.SMTP_URL and settings.IG_ALERT_EMAIL:
        rows.append({"kind": "ig_digest", "channel": EMAIL, "address": settings.IG_ALERT_EMAIL, "subject": SUBJECT,
                     "body": body, "status": PENDING})
    ids = add_notifications(rows)
    notifications_changed()
    return deliver_ids(ids)
