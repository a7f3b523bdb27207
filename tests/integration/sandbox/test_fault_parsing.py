"""Fault specs from the environment and the admin endpoint, and the hang's release when a client gives up."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from sandbox.launcher import free_port
from sandbox.servers.fault_middleware import Environ, FaultMiddleware
from sandbox.servers.faults import SQL_MODES, FaultError, FaultSpec, FaultState, parse_fault_json, parse_fault_text
from sandbox.servers.rest_app import render_json_error
from sandbox.servers.serve import Listener


def test_environment_text_forms() -> None:
    assert parse_fault_text("") is None and parse_fault_text("none") is None
    assert parse_fault_text("latency:250") == FaultSpec(mode="latency", latency_ms=250)
    ranged = parse_fault_text("random:100-900")
    assert ranged is not None and ranged.is_random_latency and (ranged.latency_min_ms, ranged.latency_max_ms) == (
        100, 900)
    assert parse_fault_text("hang:30") == FaultSpec(mode="hang", hang_seconds=30.0)
    assert parse_fault_text("wrong_child:PUP-7") == FaultSpec(mode="wrong_child", subject_id="PUP-7")


@pytest.mark.parametrize("body", [{"mode": "explode"}, {"mode": "latency"}, {"mode": "latency", "latency_ms": -5},
                                  {"mode": "latency", "latency_min_ms": 900, "latency_max_ms": 100},
                                  {"mode": "hang", "hang_seconds": "soon"}])
def test_bad_fault_requests_say_what_is_wrong(body: dict) -> None:
    with pytest.raises(FaultError):
        parse_fault_json(body)


def test_sql_systems_accept_only_their_modes() -> None:
    assert parse_fault_json({"mode": "malformed"}, SQL_MODES).mode == "malformed"
    with pytest.raises(FaultError):
        parse_fault_json({"mode": "truncated"}, SQL_MODES)


class RecordingMiddleware(FaultMiddleware):
    """Notes how each held request ended."""

    outcomes: list[str]

    def _hang(self, environ: Environ, spec: FaultSpec) -> str:
        outcome = super()._hang(environ, spec)
        self.outcomes.append(outcome)
        return outcome


@pytest.fixture
def hanging_server() -> Iterator[tuple[str, RecordingMiddleware]]:
    def app(environ: Environ, start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "2")])  # type: ignore[operator]
        return [b"ok"]

    middleware = RecordingMiddleware(app, FaultState(FaultSpec(mode="hang", hang_seconds=20)), render_json_error,
                                     threading.Event())
    middleware.outcomes = []
    listener = Listener(middleware, free_port())  # the server the sandbox systems run on
    listener.open()
    yield f"http://127.0.0.1:{listener.port}/", middleware
    listener.close()


def test_hang_lets_go_as_soon_as_the_client_gives_up(hanging_server: tuple[str, RecordingMiddleware]) -> None:
    url, middleware = hanging_server
    with pytest.raises(requests.Timeout):
        requests.get(url, timeout=0.5)
    deadline = time.monotonic() + 3
    while not middleware.outcomes and time.monotonic() < deadline:
        time.sleep(0.05)
    assert middleware.outcomes == ["client_gone"]  # the server thread is free again, long before the 20 s bound
