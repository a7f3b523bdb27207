"""Session lifetime: an idle timeout and an absolute lifetime, both enforced server-side.

The session cookie holds only ids and timestamps, never anything about a child.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from portal.data.users import SignedInUser

_EXEMPT_ENDPOINTS = {"static", "health.healthz", "health.readyz", "auth.sign_in", "auth.sso_start", "auth.sso_callback"}


def start_session(user: SignedInUser) -> None:
    """Sign the user in on a fresh session (a new session id defeats fixation)."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session["signed_in_at"] = now
    session["last_seen"] = now
    session.permanent = True


def end_session() -> None:
    logout_user()
    session.clear()


def _expired_reason(now: int) -> str | None:
    idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute_limit = current_app.config["SESSION_MAX_HOURS"] * 3600
    if now - int(session.get("last_seen", 0)) > idle_limit:
        return "You were signed out because you had not used the portal for a while."
    if now - int(session.get("signed_in_at", 0)) > absolute_limit:
        return "You were signed out because your session reached its maximum length."
    return None


def enforce_session_limits() -> ResponseReturnValue | None:
    if request.endpoint in _EXEMPT_ENDPOINTS or not current_user.is_authenticated:
        return None
    now = int(time.time())
    reason = _expired_reason(now)
    if reason:
        from portal.auth.events import record_session_expired

        record_session_expired(current_user)
        end_session()
        flash(reason, "info")
        return redirect(url_for("auth.sign_in"))
    session["last_seen"] = now
    return None


def init_sessions(app: Flask) -> None:
    app.before_request(enforce_session_limits)
