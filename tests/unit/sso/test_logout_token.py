"""Back-channel logout tokens: each check of OpenID Connect Back-Channel Logout 1.0 section 2.6 refuses a bad token."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from portal.auth.backchannel import LOGOUT_EVENT, LogoutTokenError, validate_logout_token
from portal.config import OidcProvider

ISSUER = "https://login.council.example/tenant"
PROVIDER = OidcProvider(key="council", name="Council", issuer=ISSUER, client_id="portal-client",
                        client_secret="not-used-here")  # type: ignore[arg-type]
KEY = RSAKey.generate_key(2048, parameters={"kid": "council-1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "council-1"})
JWKS = KeySet([KEY]).as_dict(private=False)


def _claims(**changes: Any) -> dict[str, Any]:
    claims = {"iss": ISSUER, "aud": "portal-client", "iat": int(time.time()), "jti": "logout-1",
              "sub": "subject-1", "sid": "session-1", "events": {LOGOUT_EVENT: {}}}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims: dict[str, Any], key: RSAKey = KEY) -> str:
    return jwt.encode({"alg": "RS256", "kid": "council-1", "typ": "logout+jwt"}, claims, key)


def _validate(token: str) -> Any:
    return validate_logout_token(token, {"council": PROVIDER}, lambda key, force: JWKS)


def test_a_good_token_names_the_provider_subject_and_session() -> None:
    logout = _validate(_token(_claims()))
    assert (logout.provider.key, logout.subject, logout.sid, logout.jti) == ("council", "subject-1", "session-1",
                                                                              "logout-1")


def test_a_token_naming_only_the_session_is_enough() -> None:
    assert _validate(_token(_claims(sub=None))).sid == "session-1"


@pytest.mark.parametrize(("changes", "problem"), [
    ({"aud": "someone-else"}, "wrong audience"),
    ({"iat": int(time.time()) - 3600}, "stale iat"),
    ({"iat": None}, "missing or stale iat"),
    ({"jti": None}, "missing jti"),
    ({"events": None}, "back-channel logout event"),
    ({"events": {"http://schemas.openid.net/event/something-else": {}}}, "back-channel logout event"),
    ({"sub": None, "sid": None}, "neither sub nor sid"),
    ({"nonce": "n-0S6_WzA2Mj"}, "must not carry a nonce"),
    ({"iss": "https://login.elsewhere.example/"}, "unknown issuer"),
])
def test_each_check_refuses_a_bad_token(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(LogoutTokenError, match=problem):
        _validate(_token(_claims(**changes)))


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(LogoutTokenError, match="signature not valid"):
        _validate(_token(_claims(), OTHER_KEY))


def test_an_unsigned_token_is_refused() -> None:
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    body = _token(_claims()).split(".")[1]
    with pytest.raises(LogoutTokenError, match="signature not valid"):
        _validate(f"{header}.{body}.")


def test_garbage_is_refused() -> None:
    with pytest.raises(LogoutTokenError, match="not a signed JWT"):
        _validate("not-a-jwt")
