"""Portal sessions started by single sign-on: ended by the provider (back-channel) or by signing out (RP-initiated).

Today the portal's session is a signed cookie, so an SSO session is also recorded in the
database (`sso_sessions`), keyed by a random value kept in the cookie; every request of an
SSO session checks that record. `end_portal_sessions` is the one place that ends sessions for
a logout token: when server-side sessions exist it also ends those (see `_end_server_sessions`).
"""

from __future__ import annotations

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.auth.oidc import SSO_SESSION_KEY, SsoResult, client_for
from portal.data.sso import (
    EndedSsoSession,
    close_sso_session,
    end_sso_sessions,
    open_sso_session,
    remember_logout_token,
    sso_session_state,
)

_EXEMPT = {"static", "health.healthz", "health.readyz", "auth.sso_back_channel_logout"}


def begin_sso_session(result: SsoResult) -> None:
    """Record the SSO session that has just started (call after `start_session`), keyed from the portal session."""
    from portal.auth import sessions

    if result.user is None:
        raise ValueError("an SSO session begins only once the result has signed a user in")
    current_session_id = getattr(sessions, "current_session_id", None)  # server-side sessions, where present
    portal_sid = current_session_id() if current_session_id else None
    session[SSO_SESSION_KEY] = open_sso_session(
        result.user.id, result.provider_key, result.issuer, result.subject,
        result.sid, result.id_token, portal_sid)


def back_channel_logout(logout_token: str) -> str | None:
    """Act on a provider's logout token: end the sessions it names (audited). None, or why it was refused."""
    from portal.auth import events
    from portal.auth.backchannel import LogoutTokenError, validate_logout_token

    providers = current_app.extensions.get("sso_providers", {})
    try:
        logout = validate_logout_token(logout_token, providers,
                                       lambda key, force: client_for(key).fetch_jwk_set(force=force))
    except LogoutTokenError as error:
        return str(error)
    except (OSError, RuntimeError) as error:  # the provider's JWKS could not be fetched
        return type(error).__name__
    if not remember_logout_token(logout.issuer, logout.jti):
        return "logout token already used"
    for ended in end_portal_sessions(logout.issuer, logout.sid, logout.subject):
        events.record_back_channel_logout(ended.user_id, logout.provider.key)
    return None


def end_portal_sessions(issuer: str, sid: str | None, subject: str | None) -> list[EndedSsoSession]:
    """End every portal session a logout token names."""
    ended = end_sso_sessions(issuer, sid, subject, "back-channel logout")
    _end_server_sessions(ended)
    return ended


def _end_server_sessions(ended: list[EndedSsoSession]) -> None:
    """Hand the ended sessions to server-side session revocation, where the portal has it."""
    from portal.auth import sessions

    end_by_sid = getattr(sessions, "end_session_by_sid", None)
    if end_by_sid is None:
        return  # cookie sessions: the per-request check below signs them out
    for item in ended:
        if item.portal_session_id:
            end_by_sid(item.portal_session_id)


def enforce_sso_session() -> ResponseReturnValue | None:
    """Sign out a browser whose SSO session the provider has ended."""
    key = session.get(SSO_SESSION_KEY)
    if not key or request.endpoint in _EXEMPT or not current_user.is_authenticated:
        return None
    still_open, _, _ = sso_session_state(key)
    if still_open:
        return None
    from portal.auth.sessions import end_session

    end_session()
    flash("You were signed out because you signed out of your organisation's sign-in service.", "info")
    return redirect(url_for("auth.sign_in"))


def sign_out_of_provider(post_logout_uri: str) -> str | None:
    """Close this browser's SSO session; the provider's end-session URL to send it to, if there is one."""
    key = session.get(SSO_SESSION_KEY)
    if not key:
        return None
    still_open, provider_key, id_token = sso_session_state(key)
    close_sso_session(key, "signed out")
    if not provider_key or provider_key not in current_app.extensions.get("sso_providers", {}):
        return None
    try:
        logout = client_for(provider_key).create_logout_url(
            post_logout_redirect_uri=post_logout_uri, id_token_hint=id_token,
            client_id=current_app.extensions["sso_providers"][provider_key].client_id)
    except (RuntimeError, OSError, ValueError) as error:  # no end_session_endpoint, or metadata unreachable
        current_app.logger.info("RP-initiated logout not offered: %s", type(error).__name__)
        return None
    return str(logout["url"])


def init_sso_sessions(app: Flask) -> None:
    app.before_request(enforce_sso_session)
