"""WSGI middleware that makes a sandbox system misbehave the way its current fault says.

Transport faults are applied here, the same way for all four HTTP systems. Data faults
(`wrong_child`, `page_forever`) pass through: the apps read the fault state themselves.
Admin paths (`/_sandbox/...`) are never faulted, so a fault can always be cleared.
"""

from __future__ import annotations

import contextlib
import random
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sandbox.servers.faults import FaultSpec, FaultState

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]
# Renders an error body in the system's own dialect (FHIR OperationOutcome or JSON): (status, message) -> (body, type)
ErrorRenderer = Callable[[int, str], tuple[bytes, str]]

# Where the server puts the request's socket in the environ (sandbox.servers.serve).
SOCKET_KEY = "sandbox.socket"
STATUS_TEXT = {500: "500 INTERNAL SERVER ERROR", 503: "503 SERVICE UNAVAILABLE", 504: "504 GATEWAY TIMEOUT"}


class FaultMiddleware:
    """Wraps a system's WSGI app and applies the transport fault in `faults`."""

    def __init__(self, app: WsgiApp, faults: FaultState, render_error: ErrorRenderer, stopping: threading.Event):
        self.app = app
        self.faults = faults
        self.render_error = render_error
        self.stopping = stopping

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        spec = self.faults.current
        if spec is None or environ.get("PATH_INFO", "").startswith("/_sandbox"):
            return self.app(environ, start_response)
        if spec.mode == "latency":
            time.sleep(_latency_seconds(spec))
        elif spec.mode == "hang":
            outcome = self._hang(environ, spec)
            if outcome == "client_gone":
                return _drop_connection(environ, start_response)
            if outcome == "timed_out":
                return self._error(start_response, 504, "sandbox hang fault: gave up holding the request")
        elif spec.mode == "refuse":
            # The listener is closed; a request already accepted is dropped the same way.
            return _drop_connection(environ, start_response)
        elif spec.mode in ("error500", "error503"):
            status = 500 if spec.mode == "error500" else 503
            return self._error(start_response, status, f"sandbox {spec.mode} fault")
        elif spec.mode in ("malformed_json", "truncated"):
            return self._corrupt(environ, start_response, spec.mode)
        return self.app(environ, start_response)

    def _error(self, start_response: StartResponse, status: int, message: str) -> list[bytes]:
        body, content_type = self.render_error(status, message)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        if status == 503:
            headers.append(("Retry-After", "1"))
        start_response(STATUS_TEXT[status], headers)
        return [body]

    def _hang(self, environ: Environ, spec: FaultSpec) -> str:
        """Hold the request until the client leaves, the fault changes, the bound passes or we stop."""
        deadline = time.monotonic() + spec.hang_seconds
        while time.monotonic() < deadline and not self.stopping.is_set():
            if _client_gone(environ):
                return "client_gone"
            if self.faults.wait_for_change(spec, 0.1) is not spec:
                return "released"
        return "timed_out"

    def _corrupt(self, environ: Environ, start_response: StartResponse, mode: str) -> list[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        if mode == "malformed_json":
            # Cut the document mid-way and add junk: a prefix of a JSON object never parses.
            body = body[: len(body) // 2] + b'\x00,]}<!-- sandbox malformed_json fault'
            start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
            return [body]
        # truncated: promise the whole body, send half; the server then closes the connection.
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body[: len(body) // 2]]


def _latency_seconds(spec: FaultSpec) -> float:
    if spec.is_random_latency:
        return random.uniform(spec.latency_min_ms or 0, spec.latency_max_ms or 0) / 1000
    return (spec.latency_ms or 0) / 1000


def _client_gone(environ: Environ) -> bool:
    sock = environ.get(SOCKET_KEY)
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):  # ValueError: the server has already closed the socket (its fd is -1)
        return True


def _drop_connection(environ: Environ, start_response: StartResponse) -> list[bytes]:
    sock = environ.get(SOCKET_KEY)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    start_response("500 INTERNAL SERVER ERROR", [("Content-Length", "0")])
    return []
