"""A small fault-capable agency server on loopback, real sockets and real HTTP.

It imitates the sandbox's wire contract (sandbox/API.md) closely enough to run
the connector contract suite without the sandbox: pages with absolute `next`
URLs, a request log, credentials checks and the same fault modes.
Subclasses supply the routes (`RestAgency`, `FhirAgency` in their own modules).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


class FakeAgency:
    """Base: routing, auth, faults and the request log. Subclasses implement `route`."""

    def __init__(self) -> None:
        self.fault: str | None = None
        self.fault_args: dict[str, Any] = {}
        self.log: list[str] = []
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeAgency:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # let hung handlers finish so shutdown is quick
        self._server.shutdown()
        self._server.server_close()

    def set_fault(self, mode: str | None, **args: Any) -> None:
        with self._lock:
            self.fault, self.fault_args = mode, args

    def clear(self) -> None:
        with self._lock:
            self.fault, self.fault_args = None, {}
            self.log.clear()

    # -- subclasses -----------------------------------------------------------------------------

    def authorised(self, request: Request) -> bool:
        return True

    def route(self, request: Request) -> Reply:
        raise NotImplementedError

    # -- request handling -----------------------------------------------------------------------

    def handle(self, request: Request) -> Reply | None:
        """The reply to send, or None to drop the connection without one."""
        with self._lock:
            self.log.append(request.path + ("?" + "&".join(f"{k}={v}" for k, v in sorted(request.query.items()))
                                            if request.query else ""))
            fault, args = self.fault, dict(self.fault_args)
            if fault == "error503_once":
                self.fault = None
        if fault == "hang":
            self._release.wait(30)
            return None
        if fault == "latency":
            time.sleep(args.get("latency_ms", 300) / 1000)
        if fault == "refuse":
            return None
        if fault == "redirect":
            return Reply(302, {}, {"Location": args.get("location", "http://localhost:1/elsewhere")})
        if fault == "error500":
            return Reply(500, {"error": "internal"})
        if fault in ("error503", "error503_once"):
            return Reply(503, {"error": "unavailable"})
        if not self.authorised(request):
            return Reply(401, {"error": "unauthorised"})
        reply = self.route(request)
        if fault == "malformed" and reply.status == 200:
            return Reply(200, b'{"items": [ {"oops": ', {"Content-Type": "application/json"})
        if fault == "truncated" and reply.status == 200:
            return Reply(200, json.dumps(reply.body).encode()[:20], {"X-Truncate": "1"})
        return reply


def _handler_for(agency: FakeAgency) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return  # keep test output quiet

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802 - stdlib naming
            self._serve("POST")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            request = Request(
                method=method, path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                form={k: v[-1] for k, v in parse_qs(raw).items()},
            )
            reply = agency.handle(request)
            if reply is None:
                self.close_connection = True
                return
            body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.headers.get("Content-Type", "application/json"))
            if "Location" in reply.headers:
                self.send_header("Location", reply.headers["Location"])
            # A truncated answer declares more bytes than it sends, then closes.
            declared = len(body) + (100 if "X-Truncate" in reply.headers else 0)
            self.send_header("Content-Length", str(declared))
            self.end_headers()
            self.wfile.write(body)
            if "X-Truncate" in reply.headers:
                self.close_connection = True

    return Handler


def page(items: list[Any], request: Request, origin: str, *, default_size: int) -> tuple[list[Any], str | None]:
    """Slice `items` by `page`/`page_size` and build the absolute next URL (as the sandbox does)."""
    size = int(request.query.get("page_size", default_size))
    number = int(request.query.get("page", 1))
    chunk = items[(number - 1) * size: number * size]
    if number * size >= len(items):
        return chunk, None
    query = {**request.query, "page": str(number + 1), "page_size": str(size)}
    return chunk, f"{origin}{request.path}?" + "&".join(f"{k}={v}" for k, v in query.items())


def closed_port_url(path: str = "") -> str:
    """A loopback URL on which nothing listens (connections are refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


Route = Callable[[Request], Reply]
