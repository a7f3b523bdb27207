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

from sandbox.servers import config
from sandbox.servers.admin import make_admin_app
from sandbox.servers.docstore import DocumentStore
from sandbox.servers.fault_middleware import FaultMiddleware, WsgiApp
from sandbox.servers.faults import HTTP_MODES, FaultSpec, FaultState, parse_fault_text
from sandbox.servers.fhir_app import FhirApp, render_fhir_error
from sandbox.servers.listener import Listener
from sandbox.servers.requestlog import RequestLog, RequestLogMiddleware
from sandbox.servers.rest_app import render_json_error
from sandbox.servers.rest_systems import make_education_app, make_police_app, make_scra_app

log = logging.getLogger("sandbox")

APP_FACTORIES: dict[str, Callable[[DocumentStore, FaultState, config.Credentials], WsgiApp]] = {
    "health": FhirApp, "education": make_education_app, "police": make_police_app, "scra": make_scra_app}


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
