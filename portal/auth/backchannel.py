"""OpenID Connect Back-Channel Logout 1.0: the provider tells the portal a session has ended.

The logout token is a JWT signed with the provider's key (found through its JWKS). It must
name the provider as issuer and our client as audience, be recent, carry a unique jti and the
back-channel logout event, name a sub or a sid, and carry no nonce (spec section 2.6).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from portal.config import OidcProvider

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_AGE_S = 300  # a logout token older than this (by iat) is refused
CLOCK_SKEW_S = 60


class LogoutTokenError(ValueError):
    """The logout token is not acceptable; the message says which check failed (no token content)."""


@dataclass(frozen=True)
class LogoutRequest:
    provider: OidcProvider
    issuer: str
    jti: str
    subject: str | None
    sid: str | None


def _unverified_issuer(token: str) -> str:
    """The token's `iss`, read before verifying, only to choose whose keys verify it."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as error:
        raise LogoutTokenError("not a signed JWT") from error
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str):
        raise LogoutTokenError("no issuer")
    return issuer


def _check_claims(claims: dict[str, Any], provider: OidcProvider, now: float) -> None:
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if provider.client_id not in audiences:
        raise LogoutTokenError("wrong audience")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or iat > now + CLOCK_SKEW_S or iat < now - MAX_AGE_S:
        raise LogoutTokenError("missing or stale iat")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int | float) or exp < now - CLOCK_SKEW_S):
        raise LogoutTokenError("expired")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise LogoutTokenError("missing jti")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise LogoutTokenError("missing back-channel logout event")
    if not claims.get("sub") and not claims.get("sid"):
        raise LogoutTokenError("neither sub nor sid")
    if "nonce" in claims:
        raise LogoutTokenError("a logout token must not carry a nonce")


def validate_logout_token(token: str, providers: dict[str, OidcProvider], jwks_for: Any,
                          now: float | None = None) -> LogoutRequest:
    """Check a logout token against the provider that issued it; `jwks_for(key, force)` fetches that provider's JWKS."""
    issuer = _unverified_issuer(token)
    provider = next((p for p in providers.values() if p.issuer.rstrip("/") == issuer.rstrip("/")), None)
    if provider is None:
        raise LogoutTokenError("unknown issuer")
    try:
        decoded = _decode(token, jwks_for(provider.key, False))
    except JoseError:
        try:  # the provider may have rotated its keys since we cached them
            decoded = _decode(token, jwks_for(provider.key, True))
        except JoseError as error:
            raise LogoutTokenError("signature not valid") from error
    if decoded.header.get("typ") not in (None, "logout+jwt", "JWT"):
        raise LogoutTokenError("wrong token type")
    claims = decoded.claims
    _check_claims(claims, provider, time.time() if now is None else now)
    return LogoutRequest(provider, issuer, claims["jti"], claims.get("sub"), claims.get("sid"))


def _decode(token: str, jwks: KeySetSerialization) -> Any:
    # Asymmetric algorithms only: a provider's public key must never be usable as an HMAC secret.
    return jwt.decode(token, KeySet.import_key_set(jwks),
                      algorithms=["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
                                  "EdDSA"])
