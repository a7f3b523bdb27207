"""Server-side sessions the portal can end: sign-out, idle timeout, absolute lifetime, revocation.

Sessions are Flask-Session's (Redis in production, files in the instance folder for the demo);
the browser's cookie carries only a random session id. A session holds ids and timestamps
only (user id, sign-in time, last use, CSRF token, a random key for child links), never
anything about a child.

A session is live while its id is in its user's index (`portal.auth.session_store`). Ending a
session removes it from the index and deletes its data, so a copy of the cookie replayed
afterwards opens nothing, and child links made in it (bound to its `reference_key`) die too.

Public functions for other parts of the portal (e.g. OIDC back-channel logout):

- `end_sessions_for_user(user_id)`: end every session of one user, in every worker.
- `end_session_by_sid(sid)`: end one session by its id (as recorded with `current_session_id()`).
- `current_session_id()`: the id of the session serving this request.
- `live_session_count(user_id)`: how many sessions the user has open now.

None of them writes an audit entry: the caller records who ended what, and why.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from cachelib.file import FileSystemCache
from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_url, login_user, logout_user
from flask_session import Session
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.session_store import FileSessionIndex, RedisSessionIndex, SessionIndex
from portal.data.users import SignedInUser
from portal.extensions import htmx, login_manager

# Probes and assets never touch the session; sign-in pages check it but never redirect.
_UNTOUCHED_ENDPOINTS = {"static", "health.healthz", "health.readyz"}
_NO_REDIRECT_ENDPOINTS = {"auth.sign_in", "auth.sso_start", "auth.sso_callback", "auth.session_status"}
# Asking how long is left must not count as using the portal.
_NOT_ACTIVITY_ENDPOINTS = {"auth.session_status"}
SIGNED_OUT_ELSEWHERE = "You have been signed out. Sign in again to continue."
IDLE = "You were signed out because you had not used the portal for a while."
TOO_LONG = "You were signed out because your session reached its maximum length."


def _index(app: Flask | None = None) -> SessionIndex:
    index: SessionIndex = (app or current_app).extensions["session_index"]
    return index


def _server_session() -> ServerSideSession:
    """This request's session as Flask-Session made it (flask's own type for `session` knows no id)."""
    if not isinstance(session, ServerSideSession):
        raise RuntimeError("the session is not a server-side one: init_sessions was not run for this app")
    return session


def _regenerate() -> None:
    """Give this request's session a new id (the old one is deleted from the store and never reused)."""
    interface = current_app.session_interface
    if not isinstance(interface, ServerSideSessionInterface):
        raise RuntimeError("sessions are not Flask-Session's: init_sessions was not run for this app")
    interface.regenerate(_server_session())


def current_session_id() -> str | None:
    """The id of the session serving this request (record it to end this session later)."""
    return getattr(session, "sid", None)


def end_session_by_sid(sid: str) -> bool:
    """End one session wherever it is in use; True if it belonged to a user.

    Needs an app context only (no request), so a back-channel logout or a CLI command can call it.
    The browser holding it is sent to the sign-in page on its next request.
    """
    return _index().end(sid) is not None


def end_sessions_for_user(user_id: int) -> int:
    """End every live session of `user_id` in every worker; returns how many were ended.

    Used when an admin disables an account and when IG ends a user's sessions. Needs an app
    context only. Child links made in those sessions stop working with them.
    """
    index = _index()
    sids = index.sids_for(user_id)
    for sid in sids:
        index.end(sid)
    return len(sids)


def live_session_count(user_id: int) -> int:
    """How many sessions `user_id` has open now."""
    return len(_index().sids_for(user_id))


def reference_key() -> str:
    """A random key of this session that child links are bound to: they open in this session only."""
    key = session.get("reference_key")
    if not key:
        key = secrets.token_urlsafe(24)
        session["reference_key"] = key
    return str(key)


def start_session(user: SignedInUser) -> None:
    """Sign the user in on a new session id (defeats fixation) and record it in the user's index."""
    _regenerate()
    session.clear()
    login_user(user)
    now = int(time.time())
    session["signed_in_at"] = now
    session["last_seen"] = now
    session["reference_key"] = secrets.token_urlsafe(24)
    session.permanent = True
    _index().add(user.id, _server_session().sid)


def _forget_here() -> None:
    """Drop this request's session and carry on as nobody, on a fresh id (the old one is never reused)."""
    logout_user()
    _regenerate()
    session.clear()


def end_session() -> None:
    """Sign-out: end this session in the store (so a copied cookie dies too), then here."""
    sid = current_session_id()
    if sid:
        _index().end(sid)
    _forget_here()


def expired_reason(now: float) -> str | None:
    """Why this request's session is over by time, or None."""
    idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute_limit = current_app.config["SESSION_MAX_HOURS"] * 3600
    if now - float(session.get("last_seen", 0)) >= idle_limit:
        return IDLE
    if now - float(session.get("signed_in_at", 0)) > absolute_limit:
        return TOO_LONG
    return None


def session_is_live() -> bool:
    """Is this request's session still signed in: in the index and within its limits? (For long responses.)"""
    user_id = session.get("_user_id")
    if user_id is None or not _index().is_live(int(user_id), _server_session().sid):
        return False
    return expired_reason(time.time()) is None


def to_sign_in(message: str | None) -> BaseResponse:
    """Send the browser to the sign-in page (saying `message` there); for htmx a whole-page redirect,
    never a fragment of the sign-in page in place of part of a record."""
    if message:
        flash(message, "info")
    target = url_for("auth.sign_in")
    if htmx:
        response = current_app.response_class("", status=200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def enforce_session_limits() -> ResponseReturnValue | None:
    """Before every request: a revoked, idle or too-long session is ended and the browser sent to sign in."""
    if request.endpoint in _UNTOUCHED_ENDPOINTS:
        return None
    user_id = session.get("_user_id")
    if user_id is None:
        return None
    message = None
    if not _index().is_live(int(user_id), _server_session().sid):
        # Ended elsewhere (sign-out, admin, IG, single sign-on): that act was audited where it happened.
        _forget_here()
        message = SIGNED_OUT_ELSEWHERE
    else:
        now = time.time()
        message = expired_reason(now)
        if message:
            from portal.auth.events import record_session_expired

            record_session_expired(current_user)
            end_session()
        elif request.endpoint not in _NOT_ACTIVITY_ENDPOINTS and session.get("last_seen") != int(now):
            # Written back only when the second moved: a session unchanged by a request is not stored again.
            session["last_seen"] = int(now)
    if message is None:
        return None
    flash(message, "info")  # shown on the sign-in page, wherever the browser goes next
    return None if request.endpoint in _NO_REDIRECT_ENDPOINTS else to_sign_in(None)


def _unauthorized() -> ResponseReturnValue:
    """Not signed in: the sign-in page, as a whole page even when htmx asked for a fragment."""
    if htmx:
        return to_sign_in(login_manager.login_message)
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view or "auth.sign_in", request.url))  # create_app sets it


def warning_seconds() -> int:
    """How long before the idle timeout the warning shows: the configured lead, at most half the idle limit."""
    idle_s = current_app.config["SESSION_IDLE_MINUTES"] * 60
    return int(min(current_app.config["SESSION_WARNING_SECONDS"], idle_s // 2))


def time_in_words(seconds: int) -> str:
    """'2 minutes', '1 minute', '45 seconds': what the warning says (the script keeps it current)."""
    if seconds >= 60:
        minutes = round(seconds / 60)
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def init_sessions(app: Flask) -> None:
    """Flask-Session on the configured store, the per-user index beside it, and the limits check."""
    settings = app.config["SETTINGS"]
    prefix = settings.SESSION_KEY_PREFIX
    lifetime_s = settings.SESSION_MAX_HOURS * 3600
    index: SessionIndex
    if settings.SESSION_STORE == "redis":
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=3, socket_connect_timeout=3)
        app.config.update(SESSION_TYPE="redis", SESSION_REDIS=client)
        index = RedisSessionIndex(client, prefix, lifetime_s)
    else:
        folder = Path(settings.INSTANCE_PATH) / "sessions"
        folder.mkdir(parents=True, exist_ok=True)
        # threshold=0: never evict live sessions to make room; expired ones are dropped when read.
        cache = FileSystemCache(str(folder), threshold=0, mode=0o600)
        app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=cache)
        index = FileSessionIndex(cache, folder, prefix, lifetime_s)
    # Stored (and its expiry renewed) only when a request changed it: every request of a signed-in user moves
    # `last_seen` unless another came in the same second, so a session in use never nears the store's expiry.
    app.config.update(SESSION_KEY_PREFIX=prefix, SESSION_PERMANENT=True, SESSION_USE_SIGNER=False,
                      SESSION_REFRESH_EACH_REQUEST=False)
    Session(app)
    app.extensions["session_index"] = index
    app.before_request(enforce_session_limits)
    login_manager.unauthorized_handler(_unauthorized)  # the manager create_app installed on this app
    app.jinja_env.globals["session_warning_seconds"] = warning_seconds
    app.jinja_env.globals["session_warning_text"] = lambda: time_in_words(warning_seconds())
