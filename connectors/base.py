"""The connector interface, and the HTTP mechanics every web connector shares.

`Connector` is what the portal's federation calls. `HttpConnector` owns one
urllib3 pool (connectors.http_transport), mandatory timeouts bounded by the caller's deadline, retries
(GET only, connection errors and 502/503/504 only, inside the deadline only), a
response-size cap, timing of every call, and the translation of every failure
into `connectors.errors`. A concrete connector supplies only its specifics.
"""

from __future__ import annotations

import functools
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

import orjson
import requests
import urllib3

from connectors.auth import AuthStrategy, NoAuth, TokenRequestRefusedError
from connectors.errors import (
    ConnectorError,
    FatalError,
    MalformedResponseError,
    ResponseTooLargeError,
    SourceUnavailableError,
    TimedOutError,
    UnauthorisedError,
)
from connectors.http_transport import (
    BASE_HEADERS,
    TRANSPORT_ERRORS,
    OriginRoute,
    open_pool,
    status_error,
    token_request_error,
    transport_error,
    with_params,
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

    def notices_on_windows(self, categories: frozenset[str]) -> frozenset[str]:
        """Those of `categories` whose notices come on the windows of `event_streams(person, categories)`.

        Every window's answer (`EventSlice.notices`) then says what `restricted_notices` would, so a view that
        reads those windows need not ask for these notices alone. None by default: the notices are asked.
        """
        return frozenset()

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
    max_connections: int = 32  # keep-alive connections the pool holds; size to the fan-out pool's threads

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
        self.pool = open_pool(http.base_url, verify_tls=http.verify_tls, max_connections=http.max_connections)
        self.route = OriginRoute(self.pool, http.base_url)

    def close(self) -> None:
        self.route.close()
        self.pool.clear()
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
        return self._ask_json(path, params, None, deadline=deadline, endpoint=endpoint)

    def post_read_json(self, path: str, payload: Any, *, deadline: float, endpoint: str = "",
                       content_type: str = "application/json") -> Any:
        """POST a JSON query that only reads (a FHIR batch of searches); retried as a GET is: it changes nothing."""
        body = orjson.dumps(payload)
        return self._ask_json(path, None, (body, content_type), deadline=deadline, endpoint=endpoint)

    def _ask_json(self, path: str, params: Mapping[str, str | list[str]] | None, body: tuple[bytes, str] | None, *,
                  deadline: float, endpoint: str) -> Any:
        endpoint = endpoint or path.split("?")[0]
        attempt, refreshed_auth = 0, False
        while True:
            attempt += 1
            try:
                answer = self._exchange(self.url(path), params, body, deadline=deadline, endpoint=endpoint,
                                        attempt=attempt)
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
            return self._parse_json(answer)

    def _exchange(self, url: str, params: Mapping[str, str | list[str]] | None, body: tuple[bytes, str] | None, *,
                  deadline: float, endpoint: str, attempt: int) -> bytes:
        left = remaining(deadline)
        if left < _MIN_USEFUL_S:
            raise TimedOutError(f"{self.display_name} was not asked: the time allowed had run out")
        timeout = (min(self.http.connect_timeout, left), min(self.http.read_timeout, left))
        started = time.monotonic()
        status: int | None = None
        outcome = "ok"
        reading_body = False
        try:
            headers = {**BASE_HEADERS, **({"Content-Type": body[1]} if body else {}),
                       **self.auth.headers(timeout=timeout, source=self.display_name)}
            # No redirects: a custom credential header (an API key) would follow them to any host.
            pool, target = self.route(with_params(url, params))
            response = pool.urlopen("GET" if body is None else "POST", target,
                                    body=body[0] if body else None, headers=headers, redirect=False,
                                    timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]),
                                    preload_content=False, decode_content=True)
            status = response.status
            reading_body = True
            try:
                self._check_status(status)
                return self._read_capped(response, deadline, timeout[1])
            finally:
                _release(response)
        except _Retry as retry:
            outcome = type(retry.error).__name__
            raise
        except ConnectorError as e:
            outcome = type(e).__name__
            raise
        # Only the OAuth token request (authlib) speaks requests; its errors are OSErrors too, so they come first.
        except requests.RequestException as e:
            error = token_request_error(self.display_name, e, timeout)
            outcome = type(error).__name__
            if isinstance(error, SourceUnavailableError):
                raise _Retry(error) from e
            raise error from e
        except TRANSPORT_ERRORS as e:
            error = transport_error(self.display_name, e, timeout, reading_body=reading_body)
            outcome = type(error).__name__
            if isinstance(error, SourceUnavailableError):
                raise _Retry(error) from e
            raise error from e
        finally:
            self._record(endpoint, status, started, attempt, outcome)

    def _check_status(self, status: int) -> None:
        if status < 300:
            return
        if status < 400:
            raise FatalError(f"{self.display_name} redirected the request elsewhere (HTTP {status}); "
                             "the portal does not follow redirects")
        error = status_error(self.display_name, status)
        if status in RETRY_STATUSES:
            raise _Retry(error)
        raise error

    def _read_capped(self, response: urllib3.BaseHTTPResponse, deadline: float, read_timeout: float) -> bytes:
        cap = self.http.max_response_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLargeError(self._too_large_reason())
        # An answer no longer than one chunk is read at once, as the loop's only chunk would be (most answers are).
        small = bool(declared and declared.isdigit() and int(declared) <= _CHUNK_BYTES)
        pieces: Iterable[bytes] = ((response.read(decode_content=True),) if small
                                   else response.stream(_CHUNK_BYTES, decode_content=True))
        chunks: list[bytes] = []
        size = 0
        for chunk in pieces:
            if not chunk:
                continue
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
            return orjson.loads(body)
        except ValueError as e:  # orjson.JSONDecodeError, invalid UTF-8 included
            raise MalformedResponseError(f"{self.display_name} sent an answer that is not valid JSON") from e

    def _record(self, endpoint: str, status: int | None, started: float, attempt: int, outcome: str) -> None:
        timing = self.report_call(endpoint, status, started, attempt, outcome)
        log.debug("%s %s -> %s in %d ms (attempt %d, %s)", timing.agency, endpoint, status, timing.elapsed_ms,
                  attempt, outcome)


def _release(response: urllib3.BaseHTTPResponse) -> None:
    """Give the connection back: reusable if the whole answer was read, otherwise closed first (bytes may remain)."""
    if not response.closed:
        response.close()
    response.release_conn()


class _Retry(Exception):
    """Internal: a failure `get_json` may retry, wrapping the error to raise if it cannot."""

    def __init__(self, error: ConnectorError) -> None:
        super().__init__(error.reason)
        self.error = error
