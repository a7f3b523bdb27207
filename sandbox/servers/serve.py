"""Run one sandbox HTTP system in this process: its main port, its admin port, until told to stop.

The main listener can be closed and reopened at run time (`refuse`), so connects to it
get ECONNREFUSED while the admin port stays up to clear the fault.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import WSGITask

from sandbox.servers import config
from sandbox.servers.admin import make_admin_app
from sandbox.servers.docstore import DocumentStore
from sandbox.servers.fault_middleware import SOCKET_KEY, FaultMiddleware, WsgiApp
from sandbox.servers.faults import HTTP_MODES, FaultSpec, FaultState, parse_fault_text
from sandbox.servers.fhir_app import FhirApp, render_fhir_error
from sandbox.servers.requestlog import RequestLog, RequestLogMiddleware
from sandbox.servers.rest_app import render_json_error
from sandbox.servers.rest_systems import make_education_app, make_police_app, make_scra_app

HOST = "127.0.0.1"
THREADS = 32  # requests served at once (a `hang` fault holds one each); idle threads cost nothing
CHANNEL_TIMEOUT_S = 30  # idle keep-alive connections are closed after this
log = logging.getLogger("sandbox")

APP_FACTORIES: dict[str, Callable[[DocumentStore, FaultState, config.Credentials], WsgiApp]] = {
    "health": FhirApp, "education": make_education_app, "police": make_police_app, "scra": make_scra_app}


class _SocketTask(WSGITask):
    """Waitress's request task that also hands the app its connection's socket: the fault middleware
    drops it (`refuse`) or watches it for the client leaving (`hang`)."""

    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[SOCKET_KEY] = self.channel.socket
        return environ


class _Channel(HTTPChannel):
    task_class = _SocketTask


class Listener:
    """A threaded WSGI server (waitress: keep-alive, a fixed pool of threads) on a fixed port that can be
    closed and reopened. Closing drops open keep-alive connections too, so a `refuse`d system is unreachable."""

    def __init__(self, app: Callable[..., Any], port: int) -> None:
        self.app, self.port = app, port
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        with self._lock:
            if self._server is not None:
                return
            # No access log (waitress keeps none): query strings carry CHIs and names.
            server = create_server(self.app, host=HOST, port=self.port, threads=THREADS, ident="sandbox",
                                   asyncore_use_poll=True, channel_timeout=CHANNEL_TIMEOUT_S)
            assert isinstance(server, BaseWSGIServer)  # one address: one server, not a MultiSocketServer
            server.channel_class = _Channel
            self._server = server
            self._thread = threading.Thread(target=server.run, daemon=True)
            self._thread.start()

    def close(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        # Waitress has no stop call: close every connection and the listening socket on its own loop thread
        # (the trigger runs the thunk there); with nothing left to watch, its loop returns.
        server.trigger.pull_trigger(lambda: _close_all(server))
        if thread is not None:
            thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=1)

    @property
    def is_open(self) -> bool:
        return self._server is not None


def _close_all(server: Any) -> None:
    for dispatcher in list(server._map.values()):
        if dispatcher is not server and dispatcher is not server.trigger:
            dispatcher.close()
    server.close()  # the listening socket and the trigger


def build_system(
    agency: str, data_dir: Path, env: Mapping[str, str], stopping: threading.Event
) -> tuple[Callable[..., Any], Callable[..., Any], FaultState]:
    """The main WSGI app (with request log and faults), its admin app, and its fault state."""
    credentials = config.Credentials.from_env(env)
    initial = parse_fault_text(env.get(config.env_name(agency, "fault"), ""), HTTP_MODES)
    faults = FaultState(initial)
    store = DocumentStore(data_dir / config.STORE_FILES[agency])
    system_app = APP_FACTORIES[agency](store, faults, credentials)
    render_error = render_fhir_error if agency == "health" else render_json_error
    request_log = RequestLog()
    admin_app = make_admin_app(agency, faults, request_log, credentials.admin_key, HTTP_MODES)
    faulty = RequestLogMiddleware(FaultMiddleware(system_app, faults, render_error, stopping), request_log)

    def main_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith("/_sandbox/"):
            return admin_app(environ, start_response)
        return faulty(environ, start_response)

    return main_app, admin_app, faults


def serve_http(agency: str, data_dir: Path, port: int, admin_port: int, env: Mapping[str, str] | None = None) -> None:
    """Serve one HTTP agency system until SIGTERM/SIGINT."""
    env = os.environ if env is None else env
    stopping = threading.Event()
    main_app, admin_app, faults = build_system(agency, data_dir, env, stopping)
    main = Listener(main_app, port)
    admin = Listener(admin_app, admin_port)

    def follow_fault(spec: FaultSpec | None) -> None:
        if spec is not None and spec.mode == "refuse":
            main.close()
        else:
            main.open()

    faults.add_listener(follow_fault)
    if faults.mode() != "refuse":
        main.open()
    admin.open()
    wait_for_stop_signal(stopping)
    admin.close()
    main.close()


def wait_for_stop_signal(stopping: threading.Event) -> None:
    """Block until SIGTERM or SIGINT, then set `stopping` (which releases held `hang` requests)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    while not stopping.wait(0.5):
        pass
