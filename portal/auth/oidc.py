"""OpenID Connect sign-in (authorization code + PKCE) through authlib.

Accounts are provisioned in the portal first; a working SSO identity without an
account gets no access (least privilege). Email and name come from userinfo.
"""

from __future__ import annotations

from authlib.integrations.base_client.errors import OAuthError
from flask import Flask, current_app
from flask.typing import ResponseReturnValue

from portal.auth import events
from portal.data.users import SignedInUser, find_by_email
from portal.extensions import oauth

PROVIDER = "sso"


def init_oidc(app: Flask) -> None:
    oauth.init_app(app)
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth.register(
        PROVIDER,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256", "timeout": 5},
    )


def oidc_enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def oidc_start(redirect_uri: str) -> ResponseReturnValue:
    return oauth.create_client(PROVIDER).authorize_redirect(redirect_uri)


def oidc_finish() -> tuple[SignedInUser | None, str]:
    """The portal account for the returning SSO identity, or None and a reason to show."""
    client = oauth.create_client(PROVIDER)
    try:
        token = client.authorize_access_token()
        userinfo = client.userinfo(token=token)
    except (OAuthError, ValueError, OSError) as error:
        events.record_sign_in_failed("(single sign-on)", "oidc")
        current_app.logger.info("OIDC exchange failed: %s", type(error).__name__)
        return None, "Single sign-on did not complete. Try again, or sign in with your username."
    email = (userinfo.get("email") or "").lower()
    user = find_by_email(email) if email and userinfo.get("email_verified", True) else None
    if user is None:
        events.record_sign_in_failed("(single sign-on)", "oidc")
        return None, "Your sign-in worked, but you do not have an account on this portal. Ask your administrator."
    return user, ""
