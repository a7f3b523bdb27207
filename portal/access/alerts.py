"""Telling information governance at once when someone breaks the glass.

The review queue (grants not yet reviewed) is the record; this hook is the
nudge. It carries no CHI and no justification text, because notifications go
to channels (email, chat) outside the portal's protected stores. The default
only logs; a deployment plugs in its own notifier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BreakGlassAlert:
    """What IG is told: which grant, who, why (coded), and for how long."""

    grant_id: int
    user_id: int
    reason_code: str
    started_at: datetime
    expires_at: datetime


class BreakGlassNotifier(Protocol):
    def notify(self, alert: BreakGlassAlert) -> None: ...


class LogOnlyNotifier:
    """The default notifier: a warning in the application log, for IG's log monitoring."""

    def notify(self, alert: BreakGlassAlert) -> None:
        log.warning(
            "break-glass started: grant %s by user %s, reason %s, until %s",
            alert.grant_id,
            alert.user_id,
            alert.reason_code,
            alert.expires_at.isoformat(),
        )


def send_break_glass_alert(notifier: BreakGlassNotifier, alert: BreakGlassAlert) -> bool:
    """Notify; a broken notifier must not block emergency access (the review queue still holds the grant)."""
    try:
        notifier.notify(alert)
    except Exception as error:  # any notifier failure is logged and reported, never raised
        log.error("break-glass alert for grant %s not sent (%s)", alert.grant_id, type(error).__name__)
        return False
    return True
