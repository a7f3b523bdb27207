"""The connector interface, and the HTTP mechanics every web connector shares.

`Connector` is what the portal's federation calls. `HttpConnector` owns one
`requests.Session`, mandatory timeouts bounded by the caller's deadline, retries
(GET only, connection errors and 502/503/504 only, inside the deadline only), a
response-size cap, timing of every call, and the translation of every failure
into `connectors.errors`. A concrete connector supplies only its specifics.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from connectors.auth import AuthStrategy, NoAuth, TokenRequestRefusedError
from connectors.errors import (
    ConnectorError,
    FatalError,
    MalformedResponseError,
    ResponseTooLargeError,
    RetryableError,
    SourceUnavailableError,
    TimedOutError,
    UnauthorisedError,
)
from connectors.models import PersonQuery, PersonRecord, SourceRecords
from connectors.window import EventStream

log = logging.getLogger("connectors.http")
# urllib3 logs every request line at DEBUG, query string included, and agency searches carry a CHI
# there (`?chi=`, `identifier=…|<CHI>`). Personal data never goes to logs, so that logger stays quieter.
logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)

RETRY_STATUSES = frozenset({502, 503, 504})
_CHUNK_BYTES = 64 * 1024
# Below this much time left there is no point starting another request.
_MIN_USEFUL_S = 0.05
T = TypeVar("T")


class Connector(ABC):
    """One agency system, read-only. Every call is bounded by an absolute `time.monotonic()` deadline."""

    agency: str
    domain: str
    display_name: str
    source_system: str
    categories: frozenset[str]
    executor: Executor | None = None  # set by share_executor; without one, parallel reads run in turn
    on_call: Callable[[CallTiming], None] | None = None  # told of every call to the source, with its timing

    @abstractmethod
    def find_people(self, query: PersonQuery, *, deadline: float) -> list[PersonRecord]:
        """The source's person records matching a CHI or demographics (candidates, not yet matched)."""

    @abstractmethod
    def fetch_records(self, person: PersonRecord, categories: frozenset[str], *, deadline: float) -> SourceRecords:
        """Events and key facts for one person, asking the source only for `categories`."""

    def event_streams(self, person: PersonRecord, categories: frozenset[str]) -> tuple[EventStream, ...] | None:
        """This person's events as sorted, seekable streams (connectors.window), or None if the source cannot.

        None declares that the source cannot sort or limit: the chronology then reads it whole
        through `fetch_records`. Streams cover every event `fetch_records` would return for `categories`.
        """
        return None

    def restricted_notices(self, person: PersonRecord, categories: frozenset[str], *, deadline: float
                           ) -> tuple[str, ...]:
        """The source's "restricted information exists" notices for `categories`, without their records.

        A view whose chronology is read in windows asks this instead of reading every event. The fallback
        reads the records (right, but whole); a connector that can ask for the notices alone overrides it.
        """
        return self.fetch_records(person, categories, deadline=deadline).restricted_notices

    def close(self) -> None:  # noqa: B027 - a connector with nothing to release need not override
        """Release connections."""

    def share_executor(self, executor: Executor) -> None:
        """Run this connector's parallel reads on the caller's bounded pool (one pool per process)."""
        self.executor = executor

    def report_call(self, endpoint: str, status: int | None, started: float, attempt: int, outcome: str) -> CallTiming:
        """Time one call to the source from `started` (monotonic) and tell `on_call`; no query text, only names."""
        timing = CallTiming(self.agency, endpoint, status, round((time.monotonic() - started) * 1000), attempt, outcome)
        if self.on_call is not None:
            self.on_call(timing)
        return timing


@dataclass(frozen=True)
class HttpSettings:
    """Network limits for one web connector; all times in seconds."""

    base_url: str
    connect_timeout: float = 1.0
    read_timeout: float = 2.5
    max_retries: int = 2
    backoff: float = 0.1
    max_response_bytes: int = 5_000_000
    max_pages: int = 20
    verify_tls: bool = True
    parallel_requests: int = 4  # independent reads for one person (resource types, collections) sent at once
    max_connections: int = 32  # keep-alive connections the Session holds; size to the fan-out pool's threads

    def __post_init__(self) -> None:
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if (self.max_response_bytes <= 0 or self.max_pages <= 0 or self.max_retries < 0 or self.parallel_requests < 1
                or self.max_connections < 1):
            raise ValueError("limits must be positive")


@dataclass(frozen=True)
class CallTiming:
    """One HTTP exchange as measured by the connector (no URL query: it may hold a CHI)."""

    agency: str
    endpoint: str
    status: int | None
    elapsed_ms: int
    attempt: int
    outcome: str


_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError)
C = TypeVar("C", bound="Connector")
P = ParamSpec("P")


def unreadable_as_malformed(method: Callable[Concatenate[C, P], T]) -> Callable[Concatenate[C, P], T]:
    """Turn a record the mapping cannot read (a list where a dict was due, a bad number) into a malformed answer.

    The practitioner sees "<agency> sent a record the portal could not read" as that source's status,
    rather than an unexplained failure; the original error stays chained for developers.
    """

    @functools.wraps(method)
    def guarded(self: C, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(self, *args, **kwargs)
        except _UNREADABLE as e:
            raise MalformedResponseError(f"{self.display_name} sent a record the portal could not read") from e

    return guarded


def run_concurrently(tasks: Sequence[Callable[[], T]], *, max_workers: int,
                     executor: Executor | None = None) -> list[T]:
    """Run independent reads at once on `executor` and return their results in order; a failure is raised.

    The caller is usually itself a thread of that same bounded pool, so it never waits for a read no thread
    has started: it runs the first read itself, then takes back (cancels and runs) any read still waiting
    for a thread, and only waits on reads already running, each bounded by the caller's deadline. Nested
    use of one pool therefore cannot deadlock or queue without limit. With no executor the reads run one
    after another. No pool is created here.
    """
    if len(tasks) <= 1 or max_workers <= 1 or executor is None:
        return [task() for task in tasks]
    offloaded = {index: executor.submit(tasks[index]) for index in range(1, min(len(tasks), max_workers))}
    results: dict[int, T] = {}
    try:
        for index, task in enumerate(tasks):
            if index not in offloaded:
                results[index] = task()
        for index, future in offloaded.items():
            results[index] = tasks[index]() if future.cancel() else future.result()
    finally:
        for future in offloaded.values():
            future.cancel()  # after a failure: reads not started yet are dropped
    return [results[index] for index in range(len(tasks))]


def remaining(deadline: float) -> float:
    """Seconds left before `deadline` (may be negative)."""
    return deadline - time.monotonic()


class HttpConnector(Connector):
    """Base for connectors that speak HTTP+JSON. Subclasses call `get_json`."""

    def __init__(
        self,
        *,
        agency: str,
        domain: str,
        display_name: str,
        source_system: str,
        categories: frozenset[str],
        http: HttpSettings,
        auth: AuthStrategy | None = None,
        on_call: Callable[[CallTiming], None] | None = None,
    ) -> None:
        self.agency = agency
        self.domain = domain
        self.display_name = display_name
        self.source_system = source_system
        self.categories = categories
        self.http = http
        self.auth: AuthStrategy = auth or NoAuth()
        self.on_call = on_call
        self.session = _shared_session(http)

    def close(self) -> None:
        self.session.close()
        self.auth.close()

    def url(self, path: str) -> str:
        """An absolute URL: `path` as given if absolute, else joined to the base URL."""
        if path.startswith(("http://", "https://")):
            return path
        return self.http.base_url.rstrip("/") + "/" + path.lstrip("/")

    def check_same_origin(self, url: str) -> None:
        """Refuse a paging link to another server: credentials go only where they were configured to."""
        base, link = urlsplit(self.http.base_url), urlsplit(self.url(url))
        if (link.scheme, link.netloc) != (base.scheme, base.netloc):
            raise MalformedResponseError(f"{self.display_name} sent a paging link to another server")

    def get_json(
        self, path: str, params: Mapping[str, str | list[str]] | None = None, *, deadline: float, endpoint: str = ""
    ) -> Any:
        """GET `path` and parse its JSON body, retrying transient failures while the deadline allows."""
        endpoint = endpoint or path.split("?")[0]
        attempt, refreshed_auth = 0, False
        while True:
            attempt += 1
            try:
                body = self._exchange(self.url(path), params, deadline=deadline, endpoint=endpoint, attempt=attempt)
            except UnauthorisedError as refused:
                # An expired OAuth token gets one fresh try; a wrong API key or client secret does not.
                if isinstance(refused, TokenRequestRefusedError) or refreshed_auth or not self.auth.invalidate():
                    raise
                refreshed_auth = True
                continue
            except _Retry as retry:
                pause = self.http.backoff * (2 ** (attempt - 1))
                if attempt > self.http.max_retries or remaining(deadline) < pause + _MIN_USEFUL_S:
                    raise retry.error from retry.__cause__
                time.sleep(pause)
                continue
            return self._parse_json(body)

    def _exchange(
        self, url: str, params: Mapping[str, str | list[str]] | None, *, deadline: float, endpoint: str, attempt: int
    ) -> bytes:
        left = remaining(deadline)
        if left < _MIN_USEFUL_S:
            raise TimedOutError(f"{self.display_name} was not asked: the time allowed had run out")
        timeout = (min(self.http.connect_timeout, left), min(self.http.read_timeout, left))
        started = time.monotonic()
        status: int | None = None
        outcome = "ok"
        try:
            headers = self.auth.headers(timeout=timeout, source=self.display_name)
            # No redirects: a custom credential header (an API key) would follow them to any host.
            with self.session.get(url, params=params, headers=headers, timeout=timeout, stream=True,
                                  allow_redirects=False) as response:
                status = response.status_code
                self._check_status(response)
                return self._read_capped(response, deadline, timeout[1])
        except _Retry as retry:
            outcome = type(retry.error).__name__
            raise
        except ConnectorError as e:
            outcome = type(e).__name__
            raise
        except requests.RequestException as e:
            error = self._translate(e, timeout)
            outcome = type(error).__name__
            if isinstance(error, SourceUnavailableError):
                raise _Retry(error) from e
            raise error from e
        finally:
            self._record(endpoint, status, started, attempt, outcome)

    def _check_status(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 300:
            return
        if status < 400:
            raise FatalError(f"{self.display_name} redirected the request elsewhere (HTTP {status}); "
                             "the portal does not follow redirects")
        error = self._status_error(status)
        if status in RETRY_STATUSES:
            raise _Retry(error)
        raise error

    def _status_error(self, status: int) -> ConnectorError:
        name = self.display_name
        if status in (401, 403):
            return UnauthorisedError(f"{name} refused the portal's credentials (HTTP {status})")
        if status in (502, 503, 504):
            return RetryableError(f"{name} is unavailable at the moment (HTTP {status})")
        if status >= 500 or status in (408, 429):
            return RetryableError(f"{name} answered with an error (HTTP {status})")
        if status == 404:
            return FatalError(f"{name} did not recognise the request (HTTP 404)")
        return FatalError(f"{name} rejected the request (HTTP {status})")

    def _read_capped(self, response: requests.Response, deadline: float, read_timeout: float) -> bytes:
        cap = self.http.max_response_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLargeError(self._too_large_reason())
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(_CHUNK_BYTES):
            size += len(chunk)
            if size > cap:
                raise ResponseTooLargeError(self._too_large_reason())
            if remaining(deadline) <= 0:
                # A source trickling bytes would otherwise defeat the per-read timeout.
                raise TimedOutError(f"{self.display_name} took longer than {read_timeout:.1f} s to answer")
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large_reason(self) -> str:
        megabytes = self.http.max_response_bytes / 1_000_000
        return f"{self.display_name} sent an answer larger than the {megabytes:g} MB allowed"

    def _parse_json(self, body: bytes) -> Any:
        try:
            return json.loads(body)
        except ValueError as e:  # includes UnicodeDecodeError
            raise MalformedResponseError(f"{self.display_name} sent an answer that is not valid JSON") from e

    def _translate(self, error: requests.RequestException, timeout: tuple[float, float]) -> ConnectorError:
        for exc_type, make in _ERROR_TABLE:
            if isinstance(error, exc_type):
                return make(self, error, timeout)
        return FatalError(f"{self.display_name} could not be asked: {type(error).__name__}")

    def _record(self, endpoint: str, status: int | None, started: float, attempt: int, outcome: str) -> None:
        timing = self.report_call(endpoint, status, started, attempt, outcome)
        log.debug("%s %s -> %s in %d ms (attempt %d, %s)", timing.agency, endpoint, status, timing.elapsed_ms,
                  attempt, outcome)


def _shared_session(http: HttpSettings) -> requests.Session:
    """One Session for every thread of the process that calls this agency.

    What makes sharing it safe: its settings are fixed here and only read afterwards (per-call
    headers, timeouts and params are passed to each `get`); it refuses cookies, so no response
    writes to shared state; and its connection pool (urllib3's, which is thread-safe) keeps up to
    `max_connections` keep-alive connections, one per thread calling at once. Beyond that a call
    opens a connection of its own, closed afterwards, rather than waiting for one.
    """
    session = requests.Session()
    session.headers.update({"Accept": "application/json", "User-Agent": "single-child-view-portal"})
    # The environment (proxy, CA bundle) is read once here, not on every request: requests would otherwise
    # scan it and look for a .netrc on each call, a sixth of its own CPU cost per call.
    session.trust_env = False
    session.proxies = requests.utils.get_environ_proxies(http.base_url)
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session.verify = ca_bundle if http.verify_tls and ca_bundle else http.verify_tls
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=http.max_connections, pool_block=False, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class _Retry(Exception):
    """Internal: a failure `get_json` may retry, wrapping the error to raise if it cannot."""

    def __init__(self, error: ConnectorError) -> None:
        super().__init__(error.reason)
        self.error = error


def _is_read_timeout(error: requests.RequestException) -> bool:
    # urllib3 reports a read timeout during a streamed body as a ConnectionError wrapping ReadTimeoutError.
    return isinstance(error, requests.ReadTimeout) or "Read timed out" in str(error)


_Maker = Callable[[HttpConnector, requests.RequestException, tuple[float, float]], ConnectorError]

# First match wins: order from most to least specific.
_ERROR_TABLE: tuple[tuple[type[requests.RequestException], _Maker], ...] = (
    (requests.ConnectTimeout, lambda c, e, t: TimedOutError(
        f"{c.display_name} did not accept a connection within {t[0]:.1f} s")),
    (requests.ReadTimeout, lambda c, e, t: TimedOutError(f"{c.display_name} took longer than {t[1]:.1f} s to answer")),
    (requests.ConnectionError, lambda c, e, t: TimedOutError(
        f"{c.display_name} took longer than {t[1]:.1f} s to answer") if _is_read_timeout(e)
        else SourceUnavailableError(f"{c.display_name} could not be reached (connection refused or dropped)")),
    (requests.exceptions.ChunkedEncodingError, lambda c, e, t: MalformedResponseError(
        f"{c.display_name} sent an incomplete answer")),
    (requests.exceptions.ContentDecodingError, lambda c, e, t: MalformedResponseError(
        f"{c.display_name} sent an answer that could not be decoded")),
    (requests.HTTPError, lambda c, e, t: c._status_error(e.response.status_code) if e.response is not None
        else FatalError(f"{c.display_name} answered with an HTTP error")),
    (requests.exceptions.InvalidURL, lambda c, e, t: FatalError(f"{c.display_name} has an invalid address configured")),
)
