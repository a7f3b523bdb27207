"""OAuth2 client-credentials token endpoint and bearer check for the police concern hub.

Tokens are random, held in memory and expire after a configurable lifetime, so a
connector must fetch a token, use it, and fetch a new one when told it is invalid.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
import time
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from sandbox.servers.config import Credentials


class TokenIssuer:
    """Issues and checks expiring bearer tokens for one client id/secret pair."""

    def __init__(self, credentials: Credentials) -> None:
        self.client_id = credentials.police_client_id
        self.client_secret = credentials.police_client_secret
        self.ttl_s = credentials.police_token_ttl_s
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> expiry (monotonic seconds)

    def token_endpoint(self, request: Request) -> Response:
        """`POST /oauth/token` (RFC 6749 §4.4): client credentials in the form or HTTP Basic."""
        if request.method != "POST":
            return _oauth_error(405, "invalid_request")
        if request.form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type")
        client_id, client_secret = _client_credentials(request)
        id_ok = hmac.compare_digest(client_id, self.client_id)
        if not (hmac.compare_digest(client_secret, self.client_secret) and id_ok):
            return _oauth_error(401, "invalid_client")
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            # Forget expired tokens as we go so the table stays small.
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self.ttl_s
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.ttl_s}
        return Response(json.dumps(body), content_type="application/json", headers={"Cache-Control": "no-store"})

    def authorise(self, request: Request) -> Response | None:
        """None when the request carries a live token, else a 401 saying why."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return _bearer_error(None)
        with self._lock:
            expiry = self._tokens.get(token.strip())
        if expiry is None or expiry <= time.monotonic():
            return _bearer_error("invalid_token")
        return None


def _client_credentials(request: Request) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
            return unquote(user), unquote(password)
        except (ValueError, UnicodeDecodeError):
            return "", ""
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


def _oauth_error(status: int, error: str) -> Response:
    return Response(json.dumps({"error": error}), status=status, content_type="application/json")


def _bearer_error(error: str | None) -> Response:
    challenge = 'Bearer realm="police"' + (f', error="{error}"' if error else "")
    return Response(json.dumps({"error": "unauthorised"}), status=401, content_type="application/json",
                    headers={"WWW-Authenticate": challenge})
