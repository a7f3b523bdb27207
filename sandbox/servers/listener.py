"""The sandbox systems' HTTP/1.1 listener: the standard library's threaded HTTP server with a thin WSGI bridge.

One thread per connection reads a request, runs the app and writes the answer with one send, then
waits on the same keep-alive connection for the next. Waitress (used before) handed every request
from its socket loop to a worker thread and back, which cost the agencies more CPU than answering
did (about 0.5 ms a request against 0.2 ms here, measured with a trivial app). Parsing, keep-alive,
`Expect: 100-continue` and malformed request lines are the standard library's (`http.server`);
this module only builds the WSGI environ and writes the response.

The listening socket can be closed and reopened at run time (`refuse`): closing also drops every
open connection, so a refused system is unreachable. The app finds its connection's socket in the
environ (`SOCKET_KEY`), so the fault middleware can drop it or watch for the client leaving.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from sandbox.servers.fault_middleware import SOCKET_KEY

HOST = "127.0.0.1"
IDLE_TIMEOUT_S = 30  # an idle keep-alive connection is closed after this
log = logging.getLogger("sandbox")
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Handler(http.server.BaseHTTPRequestHandler):
    """One connection: requests in turn, each answered through the server's WSGI app."""

    protocol_version = "HTTP/1.1"  # keep-alive unless the client says otherwise
    timeout = IDLE_TIMEOUT_S
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each answer is one send
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base class's name)
        pass  # no access log: request lines carry CHIs and names

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except OSError:  # the client went, or a `refuse` fault dropped the connection
            self.close_connection = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding"):
            self.send_error(411, "send a Content-Length")  # no client of the sandbox streams a request body
            return
        try:
            status, headers, body = self._call_app(self._environ(self.rfile.read(length) if length else b""))
        except OSError:
            raise
        except Exception as e:  # the apps answer their own errors; this is a last resort, without details
            log.error("sandbox request failed: %s", type(e).__name__)
            status, headers, body = "500 Internal Server Error", [("Content-Type", "text/plain")], b"server error"
        declared = next((int(v) for k, v in headers if k.lower() == "content-length"), None)
        if declared is None:
            headers.append(("Content-Length", str(len(body))))
        head = "".join([f"HTTP/1.1 {status}\r\n", *(f"{k}: {v}\r\n" for k, v in headers), "\r\n"])
        self.wfile.write(head.encode("latin-1") + (b"" if self.command == "HEAD" else body))
        cut_short = self.command != "HEAD" and declared is not None and declared > len(body)
        if cut_short or any(
                k.lower() == "connection" and v.lower() == "close" for k, v in headers):
            self.close_connection = True  # a body cut short (`truncated`) ends the connection, as it must

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command, "SCRIPT_NAME": "", "PATH_INFO": _decode_path(path),
            "QUERY_STRING": query, "SERVER_NAME": str(host), "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version, "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
            SOCKET_KEY: self.connection,
        }
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _call_app(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
            answer["status"], answer["headers"] = status, list(headers)
            return lambda _data: None  # the sandbox apps return their body; none writes

        result = self.server.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return answer["status"], answer["headers"], body


def _decode_path(path: str) -> str:
    """PATH_INFO is the percent-decoded path, as bytes read as latin-1 (PEP 3333)."""
    return unquote_to_bytes(path).decode("latin-1") if "%" in path else path


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True  # a held (`hang`) request never keeps the process from stopping
    allow_reuse_address = True  # reopening after `refuse` must not wait for TIME_WAIT

    def __init__(self, port: int, app: WsgiApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        super().__init__((HOST, port), _Handler)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(connection)

    def drop_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        log.warning("sandbox connection failed: %s", type(error).__name__)  # never the request: it carries CHIs


class Listener:
    """The HTTP server of one port, which can be closed (dropping its connections) and reopened."""

    def __init__(self, app: WsgiApp, port: int) -> None:
        self.app, self.port = app, port
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        with self._lock:
            if self._server is not None:
                return
            self._server = _Server(self.port, self.app)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                            daemon=True)
            self._thread.start()

    def close(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()  # stops accepting (waits for the accept loop to notice)
        server.server_close()  # the listening socket: connects are now refused
        server.drop_connections()  # and the open keep-alive connections end
        if thread is not None:
            thread.join(timeout=5)

    @property
    def is_open(self) -> bool:
        return self._server is not None
