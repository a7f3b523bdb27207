"""An in-memory log of the requests a sandbox system received, so tests can see what a connector asked.

Only method, path and query string are kept (never bodies or headers). It lives in the
process's memory and is served at `GET /_sandbox/requests`; nothing is printed.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

ENVIRON_KEY = "sandbox.request_log"
MAX_ENTRIES = 10_000  # bounded so a benchmark cannot grow the process without limit


class RequestLog:
    """Thread-safe, bounded list of received requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)

    def append(self, method: str, path: str, query: str, *, in_batch: bool = False) -> None:
        entry: dict[str, Any] = {"method": method, "path": path, "query": query, "at": time.time()}
        if in_batch:  # one read inside a FHIR batch POST, logged as well so tests see what was asked
            entry["in_batch"] = True
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RequestLogMiddleware:
    """Records every non-admin request before the app (and any fault) sees it."""

    def __init__(self, app: Callable[..., Iterable[bytes]], log: RequestLog) -> None:
        self.app = app
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_sandbox"):
            self.log.append(environ.get("REQUEST_METHOD", ""), path, environ.get("QUERY_STRING", ""))
            environ[ENVIRON_KEY] = self.log  # a FHIR batch logs each read inside it here too
        return self.app(environ, start_response)
