"""OpenID Connect sign-in (authorization code + PKCE) through authlib, one client per partner provider.

Accounts are provisioned in the portal first; a working SSO identity without an account
gets no access (least privilege). The first sign-in binds the account to the provider's
(issuer, subject) — only when the provider asserts the e-mail is verified and the e-mail
names exactly one active account — and afterwards only that pair signs into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, session
from flask.typing import ResponseReturnValue

from portal.auth import events
from portal.auth.claims import claimed_access
from portal.config import OidcProvider
from portal.data.sso import BindingOutcome, apply_claimed_access, load_bound_user, resolve_identity
from portal.data.users import SignedInUser

PROVIDER_IN_SESSION = "sso_provider"
SSO_SESSION_KEY = "sso_session"
REFUSALS = {
    "exchange": "Single sign-on did not complete. Try again, or sign in with your username.",
    "unverified": "Your organisation's sign-in did not confirm your e-mail address, so it cannot be linked to a "
                  "portal account. Ask your administrator.",
    "domain": "Your organisation's sign-in cannot be used for this e-mail address. Use your own organisation's "
              "sign-in, or ask your administrator.",
    "no_account": "Your sign-in worked, but you do not have an account on this portal. Ask your administrator.",
    "ambiguous": "Your e-mail address matches more than one portal account. Ask your administrator.",
    "subject_conflict": "This portal account is linked to a different sign-in identity. Ask your administrator.",
    "inactive": "Your portal account is switched off. Ask your administrator.",
    "claims_revoked": "Your organisation no longer gives you access to this portal. Ask your administrator.",
}


@dataclass(frozen=True)
class SsoResult:
    user: SignedInUser | None
    problem: str = ""  # a message for the sign-in page
    # What the SSO session record needs once the portal session has started.
    provider_key: str = ""
    issuer: str = ""
    subject: str = ""
    sid: str | None = None
    id_token: str | None = None


def init_oidc(app: Flask) -> None:
    """Register one authlib client per configured provider, on an OAuth object of this app's own."""
    oauth = OAuth(app)
    providers = {p.key: p for p in app.config["SETTINGS"].oidc_providers}
    for provider in providers.values():
        oauth.register(
            provider.key,
            client_id=provider.client_id,
            client_secret=provider.client_secret.get_secret_value(),
            server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256", "timeout": 5},
        )
    app.extensions["sso_oauth"] = oauth
    app.extensions["sso_providers"] = providers
    # The sign-out form redirects to the provider's end-session endpoint: CSP form-action must allow it.
    app.extensions["sso_origins"] = sorted({_origin(p.issuer) for p in providers.values()})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def providers() -> dict[str, OidcProvider]:
    configured: dict[str, OidcProvider] = current_app.extensions.get("sso_providers", {})
    return configured


def oidc_enabled() -> bool:
    return bool(providers())


def client_for(key: str) -> Any:
    return current_app.extensions["sso_oauth"].create_client(key)


def oidc_start(key: str, redirect_uri: str) -> ResponseReturnValue:
    session[PROVIDER_IN_SESSION] = key
    redirect_to_provider: ResponseReturnValue = client_for(key).authorize_redirect(redirect_uri)
    return redirect_to_provider


def _refuse(code: str, provider: OidcProvider | None, **details: Any) -> SsoResult:
    events.record_sso_refused(code, provider.key if provider else None, **details)
    return SsoResult(None, REFUSALS[code])


def oidc_finish() -> SsoResult:
    """The portal account for the returning SSO identity, or None and a reason to show."""
    provider = providers().get(session.pop(PROVIDER_IN_SESSION, ""))
    if provider is None:
        return _refuse("exchange", None)
    client = client_for(provider.key)
    try:
        token = client.authorize_access_token()  # checks the ID token's signature, iss, aud, nonce and times
        claims = dict(token.get("userinfo") or {})  # the validated ID token's claims
        userinfo = client.userinfo(token=token)
    except (OAuthError, ValueError, OSError) as error:
        current_app.logger.info("OIDC exchange failed: %s", type(error).__name__)
        return _refuse("exchange", provider)
    subject = str(claims.get("sub") or "")
    if not subject or userinfo.get("sub") != subject:  # OIDC Core 5.3.2: userinfo must be about the same subject
        return _refuse("exchange", provider)
    claims.update(userinfo)
    issuer = str(claims.get("iss") or provider.issuer)
    verified = claims.get(provider.email_verified_claim) is True  # a string "true" is not an assertion
    outcome = resolve_identity(issuer, subject, str(claims.get("email") or ""), verified, provider.allowed_domains)
    if outcome.user is None and outcome.problem != "inactive":
        return _refuse(outcome.problem or "no_account", provider, account_id=outcome.account_id)
    user = _apply_claims(provider, claims, outcome)
    if user is None:
        return SsoResult(None, REFUSALS["claims_revoked" if provider.claim and not outcome.pinned else "inactive"])
    if outcome.newly_bound:
        events.record_sso_bound(user, provider.key)
    return SsoResult(user, provider_key=provider.key, issuer=issuer, subject=subject, sid=claims.get("sid"),
                     id_token=token.get("id_token"))


def _apply_claims(provider: OidcProvider, claims: dict[str, Any], outcome: BindingOutcome) -> SignedInUser | None:
    """Keep a claims-managed account in line with its claims; None if it may not sign in now."""
    if not provider.claim or outcome.pinned or outcome.account_id is None:
        if outcome.user is None:
            events.record_sso_refused("inactive", provider.key, account_id=outcome.account_id)
        return outcome.user
    granted = claimed_access(provider, claims.get(provider.claim))
    change = apply_claimed_access(outcome.account_id, *(granted or (None, None)))
    if change != "unchanged":
        events.record_claimed_access_change(outcome.account_id, provider.key, change, granted)
    if granted is None:
        events.record_sso_refused("claims_revoked", provider.key, account_id=outcome.account_id)
        return None
    return load_bound_user(outcome.account_id)
