"""`python -m sandbox run` starts every system in the foreground and stops them all on Ctrl-C / SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sandbox.launcher import REPO_ROOT, SandboxStartError, free_port, start_all
from tests.integration.sandbox.conftest import HEALTH_AUTH, TEST_ENV
from tests.integration.sandbox.stores import CHI_A

AGENCIES = ("health", "social_work", "education", "police", "scra")


def _wait_for(url: str, deadline: float) -> requests.Response:
    while True:
        try:
            return requests.get(url, headers=HEALTH_AUTH, timeout=1)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_run_serves_all_systems_until_signalled(data_dir: Path, stop_signal: signal.Signals) -> None:
    ports = {a: free_port() for a in AGENCIES}
    admin_ports = {a: free_port() for a in AGENCIES if a != "social_work"}
    env = {**os.environ, **TEST_ENV}
    env.update({f"SANDBOX_{a.upper()}_PORT": str(p) for a, p in ports.items()})
    env.update({f"SANDBOX_{a.upper()}_ADMIN_PORT": str(p) for a, p in admin_ports.items()})
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "run", "--data-dir", str(data_dir)], cwd=REPO_ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        response = _wait_for(f"http://127.0.0.1:{ports['health']}/fhir/Patient?identifier={CHI_A}",
                             time.monotonic() + 20)
        assert response.json()["total"] == 1
        process.send_signal(stop_signal)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    for port in [*ports.values(), *admin_ports.values()]:  # every child is gone, nothing listens any more
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_start_reports_a_system_that_cannot_start(tmp_path: Path) -> None:
    with pytest.raises(SandboxStartError, match="sandbox store missing"):
        start_all(tmp_path, {"police": free_port()}, TEST_ENV, agencies=["police"], timeout=10)


def test_free_ports_lie_below_the_range_outgoing_connections_take() -> None:
    # A port from that range can be taken as a client socket's source port before the system binds it.
    from sandbox.launcher import _outgoing_ports_start

    ports = [free_port() for _ in range(20)]
    assert max(ports) < _outgoing_ports_start()
