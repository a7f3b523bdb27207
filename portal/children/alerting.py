"""Tell information governance at once when someone breaks the glass (the review queue is the record), and the
people who work with the child (portal.notifications.break_glass)."""

from __future__ import annotations

from flask import current_app

from portal.access.alerts import BreakGlassAlert, LogOnlyNotifier, send_break_glass_alert
from portal.data.access_lookup import StartedBreakGlass


def alert_break_glass(started: StartedBreakGlass, user_id: int) -> None:
    if started.already_active:
        return
    notifier = current_app.extensions.get("break_glass_notifier") or LogOnlyNotifier()
    alert = BreakGlassAlert(started.grant_id, user_id, started.grant.reason_code, started.grant.started_at,
                            started.grant.expires_at)
    send_break_glass_alert(notifier, alert)
    from portal.notifications.break_glass import PeopleNotifier

    # After the grant has committed; errors are caught inside, and e-mail goes out from a background thread.
    send_break_glass_alert(PeopleNotifier(started.grant.child_chi), alert)
