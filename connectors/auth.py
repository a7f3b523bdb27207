"""How a connector proves who it is to an agency system.

Credentials are passed in already resolved (the registry reads them from the
environment); nothing here reads a file or logs a secret.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

from connectors.errors import MalformedResponseError, UnauthorisedError


class TokenRequestRefusedError(UnauthorisedError):
    """The token endpoint itself refused the client credentials: fetching again cannot help."""


# Refresh a cached token this long before it expires, so it cannot lapse mid-request.
_EXPIRY_LEEWAY_S = 10


class AuthStrategy(Protocol):
    """Adds credentials to a request; may need a network call (OAuth2)."""

    def headers(self, *, timeout: tuple[float, float], source: str) -> dict[str, str]:
        """Headers to send; `timeout` bounds any token request, `source` names the agency in errors."""
        ...

    def invalidate(self) -> bool:
        """Forget any cached credential; True when asking again could succeed with a fresh one."""
        ...

    def close(self) -> None:
        """Release any network resources."""
        ...


class NoAuth:
    """For sources that need no credentials (and for tests of the other failure modes)."""

    def headers(self, *, timeout: tuple[float, float], source: str) -> dict[str, str]:
        return {}

    def invalidate(self) -> bool:
        return False

    def close(self) -> None:
        return None


class StaticBearerToken:
    """`Authorization: Bearer <token>` with a long-lived token issued to the portal."""

    def __init__(self, token: str) -> None:
        self._token = token

    def headers(self, *, timeout: tuple[float, float], source: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def invalidate(self) -> bool:
        return False

    def close(self) -> None:
        return None


class ApiKeyHeader:
    """An API key in a named header, e.g. `X-API-Key`."""

    def __init__(self, header: str, key: str) -> None:
        self._header = header
        self._key = key

    def headers(self, *, timeout: tuple[float, float], source: str) -> dict[str, str]:
        return {self._header: self._key}

    def invalidate(self) -> bool:
        return False

    def close(self) -> None:
        return None


class OAuth2ClientCredentials:
    """OAuth2 client-credentials grant through authlib, token cached in memory until it expires.

    The token is shared by every thread using the connector; a lock keeps
    concurrent gathers from all fetching a new token at once.
    """

    def __init__(self, token_url: str, client_id: str, client_secret: str, scope: str | None = None) -> None:
        self._token_url = token_url
        self._client = OAuth2Session(
            client_id, client_secret, scope=scope, token_endpoint_auth_method="client_secret_post"  # noqa: S106
        )
        self._lock = threading.Lock()
        self._access_token: str | None = None
        self._expires_at = 0.0

    def headers(self, *, timeout: tuple[float, float], source: str) -> dict[str, str]:
        with self._lock:
            if self._access_token is None or time.time() >= self._expires_at - _EXPIRY_LEEWAY_S:
                self._fetch(timeout, source)
            return {"Authorization": f"Bearer {self._access_token}"}

    def invalidate(self) -> bool:
        with self._lock:
            self._access_token = None
        return True

    def close(self) -> None:
        self._client.close()

    def _fetch(self, timeout: tuple[float, float], source: str) -> None:
        # requests' own exceptions (timeouts, refused connections) propagate to the
        # connector, which translates them with the same table as every other call.
        try:
            token = self._client.fetch_token(self._token_url, grant_type="client_credentials", timeout=timeout)
        except AuthlibBaseError as e:
            raise TokenRequestRefusedError(f"{source} refused the portal's client credentials") from e
        except ValueError as e:
            raise MalformedResponseError(f"{source} sent an unreadable answer to the token request") from e
        access_token = token.get("access_token")
        if not access_token:
            raise MalformedResponseError(f"{source} sent a token answer without an access token")
        self._access_token = str(access_token)
        expires_in = token.get("expires_in")
        # No expiry given: use it until the source says 401, then fetch again.
        self._expires_at = time.time() + float(expires_in) if expires_in else float("inf")
