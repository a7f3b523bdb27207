"""The HTTP transport web connectors share: one urllib3 pool per connector, and its failures in the portal's terms.

urllib3 directly rather than `requests` on top of it: a content view sends a dozen agency requests, and
`requests` (sessions, hooks, cookie jars, settings merged on every call) cost more CPU than the
exchange itself. What `requests` gave that the portal relies on is kept here: the environment's proxy
and CA bundle (read once), certificate checks, no redirects, no cookies (urllib3 keeps none), parameters
encoded as `requests` encodes them, and every failure translated into `connectors.errors`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

import certifi
import requests
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    LocationValueError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from connectors.errors import (
    ConnectorError,
    FatalError,
    MalformedResponseError,
    RetryableError,
    SourceUnavailableError,
    TimedOutError,
    UnauthorisedError,
)

# Sent with every request; per-call headers (credentials) are added to a copy.
BASE_HEADERS = {"Accept": "application/json", "User-Agent": "single-child-view-portal",
                "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}


def open_pool(base_url: str, *, verify_tls: bool, max_connections: int) -> urllib3.PoolManager:
    """A thread-safe pool keeping up to `max_connections` keep-alive connections to the agency.

    Beyond that a call opens a connection of its own, closed afterwards, rather than waiting for one.
    The environment (proxy, CA bundle) is read once here, as `requests` would read it.
    """
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    where = "ca_cert_dir" if os.path.isdir(ca_bundle) else "ca_certs"  # `requests` takes a folder of CAs too
    tls: dict[str, str] = {"cert_reqs": "CERT_REQUIRED", where: ca_bundle} if verify_tls else {
        "cert_reqs": "CERT_NONE"}
    settings = {"num_pools": 2, "maxsize": max_connections, "block": False, "retries": False, **tls}
    proxy = requests.utils.get_environ_proxies(base_url).get(base_url.split(":", 1)[0].lower())
    if proxy:
        return urllib3.ProxyManager(proxy, **settings)  # type: ignore[arg-type]
    return urllib3.PoolManager(**settings)  # type: ignore[arg-type]


class OriginRoute:
    """Sends a request on the agency's origin straight to that origin's connection pool, path and query only.

    The pool manager would parse the URL and look the origin's pool up again on every request (a tenth of the
    exchange's CPU); this takes that pool once, and again should the manager ever have closed it. A URL elsewhere,
    or any URL when a proxy stands between (the proxy manager adds its own headers), goes through the manager.
    """

    def __init__(self, manager: urllib3.PoolManager, base_url: str) -> None:
        base = urlsplit(base_url)
        self.manager = manager
        self.origin = f"{base.scheme}://{base.netloc}"
        self.direct = type(manager) is urllib3.PoolManager
        self.pool: urllib3.HTTPConnectionPool | None = None

    def __call__(self, url: str) -> tuple[urllib3.PoolManager | urllib3.HTTPConnectionPool, str]:
        """The pool to send `url` to, and the request target to send it."""
        if not (self.direct and url.startswith(self.origin)):
            return self.manager, url
        target = url[len(self.origin):]
        if not target.startswith("/"):  # "http://host:80" then "80/…": another port, the manager parses it
            return self.manager, url
        pool = self.pool
        if pool is None or pool.pool is None:  # a closed pool's queue is None
            pool = self.pool = self.manager.connection_from_url(self.origin)
        return pool, target

    def close(self) -> None:
        """Close the origin's pool and its keep-alive connections (the manager's `clear` only forgets its pools)."""
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.close()


def with_params(url: str, params: Mapping[str, str | list[str]] | None) -> str:
    """`url` with `params` appended as `requests` would (a list repeats its key); None leaves the URL as given."""
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(params, doseq=True)


def status_error(name: str, status: int) -> ConnectorError:
    """The error an HTTP failure status means for the practitioner."""
    if status in (401, 403):
        return UnauthorisedError(f"{name} refused the portal's credentials (HTTP {status})")
    if status in (502, 503, 504):
        return RetryableError(f"{name} is unavailable at the moment (HTTP {status})")
    if status >= 500 or status in (408, 429):
        return RetryableError(f"{name} answered with an error (HTTP {status})")
    if status == 404:
        return FatalError(f"{name} did not recognise the request (HTTP 404)")
    return FatalError(f"{name} rejected the request (HTTP {status})")


def transport_error(name: str, error: Exception, timeout: tuple[float, float], *, reading_body: bool
                    ) -> ConnectorError:
    """What a urllib3 failure means; SourceUnavailableError (connection refused or dropped) may be retried."""
    if isinstance(error, (NewConnectionError, ProxyError)):  # NewConnectionError is a ConnectTimeoutError too
        return SourceUnavailableError(f"{name} could not be reached (connection refused or dropped)")
    if isinstance(error, ConnectTimeoutError):
        return TimedOutError(f"{name} did not accept a connection within {timeout[0]:.1f} s")
    if isinstance(error, ReadTimeoutError):
        return TimedOutError(f"{name} took longer than {timeout[1]:.1f} s to answer")
    if isinstance(error, DecodeError):
        return MalformedResponseError(f"{name} sent an answer that could not be decoded")
    if isinstance(error, ProtocolError) and reading_body:
        return MalformedResponseError(f"{name} sent an incomplete answer")
    if isinstance(error, (ProtocolError, SSLError, OSError)):
        return SourceUnavailableError(f"{name} could not be reached (connection refused or dropped)")
    if isinstance(error, LocationValueError):
        return FatalError(f"{name} has an invalid address configured")
    return FatalError(f"{name} could not be asked: {type(error).__name__}")


# What urllib3 raises for a failed exchange (an invalid address is a LocationValueError, an HTTPError).
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (HTTPError, OSError)


def _is_read_timeout(error: requests.RequestException) -> bool:
    # urllib3 reports a read timeout during a streamed body as a ConnectionError wrapping ReadTimeoutError.
    return isinstance(error, requests.ReadTimeout) or "Read timed out" in str(error)


def token_request_error(name: str, error: requests.RequestException, timeout: tuple[float, float]) -> ConnectorError:
    """What a failed OAuth token request means (the token client, authlib, speaks `requests`)."""
    if isinstance(error, requests.ConnectTimeout):
        return TimedOutError(f"{name} did not accept a connection within {timeout[0]:.1f} s")
    if isinstance(error, requests.ReadTimeout) or (isinstance(error, requests.ConnectionError)
                                                   and _is_read_timeout(error)):
        return TimedOutError(f"{name} took longer than {timeout[1]:.1f} s to answer")
    if isinstance(error, requests.ConnectionError):
        return SourceUnavailableError(f"{name} could not be reached (connection refused or dropped)")
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return MalformedResponseError(f"{name} sent an incomplete answer")
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return status_error(name, error.response.status_code)
    if isinstance(error, requests.exceptions.InvalidURL):
        return FatalError(f"{name} has an invalid address configured")
    return FatalError(f"{name} could not be asked: {type(error).__name__}")
