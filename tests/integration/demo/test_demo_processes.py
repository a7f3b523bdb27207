"""`make run` (flask portal serve-demo) owns its agency processes: it stops them on every kind of exit,
stops the ones a crashed run left behind, and refuses to start on ports something else holds."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from sandbox.launcher import start_all
from sandbox.servers.config import AGENCIES
from sandbox.stale import pid_file, record_processes
from tests.support.sandbox import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def cohort_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sandbox.cohort import generate, write

    folder = tmp_path_factory.mktemp("demo-sandbox")
    write(generate(seed=20261122), folder)
    return folder


@pytest.fixture
def demo_env(tmp_path: Path, cohort_dir: Path) -> dict[str, str]:
    """A demo run on free ports (never the fixed defaults, which a developer's `make run` may hold)."""
    env = {"FLASK_APP": "app.py", "PORTAL_ENV": "demo", "INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}", "SANDBOX_DATA_DIR": str(cohort_dir)}
    for agency in AGENCIES:
        env[f"SANDBOX_{agency.upper()}_PORT"] = str(free_port())
        if agency != "social_work":
            env[f"SANDBOX_{agency.upper()}_ADMIN_PORT"] = str(free_port())
    return env


def _agency_ports(env: dict[str, str]) -> list[int]:
    return [int(value) for key, value in env.items() if key.startswith("SANDBOX_") and key.endswith("PORT")]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def run_demo(demo_env: dict[str, str], tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """Start serve-demo; yields (process, portal port, log path). Whatever happens, nothing is left running."""
    started: list[subprocess.Popen[bytes]] = []

    def _run(wait_until_up: bool = True, *, sigint_ignored: bool = False) -> tuple[subprocess.Popen[bytes], int, Path]:
        port = free_port()
        log = tmp_path / f"serve-demo-{len(started)}.log"
        # As a shell without job control starts it (`make run &`, a script): SIGINT inherited as ignored.
        inherit = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "portal", "serve-demo", "--port", str(port)], cwd=PROJECT_ROOT,
            env={**os.environ, **demo_env}, stdout=log.open("wb"), stderr=subprocess.STDOUT, preexec_fn=inherit)
        started.append(process)
        if wait_until_up:
            assert _wait(lambda: _answers(f"http://127.0.0.1:{port}/healthz") or process.poll() is not None, 60), \
                log.read_text()
            assert process.poll() is None, log.read_text()
        return process, port, log

    yield _run
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    pids = pid_file(demo_env["INSTANCE_PATH"])
    if pids.exists():
        for entry in json.loads(pids.read_text()):
            if psutil.pid_exists(entry["pid"]):
                psutil.Process(entry["pid"]).kill()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _recorded_pids(env: dict[str, str]) -> list[int]:
    return [entry["pid"] for entry in json.loads(pid_file(env["INSTANCE_PATH"]).read_text())]


def _gone(pids: list[int]) -> bool:
    return all(not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE for pid in pids)


@pytest.mark.parametrize(("how", "sigint_ignored"), [(signal.SIGINT, False), (signal.SIGTERM, False),
                                                     (signal.SIGINT, True)])
def test_the_agencies_stop_when_the_run_is_stopped(run_demo, demo_env: dict[str, str], how: int,  # type: ignore[no-untyped-def]
                                                   sigint_ignored: bool) -> None:
    process, _, log = run_demo(sigint_ignored=sigint_ignored)
    pids = _recorded_pids(demo_env)
    assert len(pids) == len(AGENCIES) and not _gone(pids)
    process.send_signal(how)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        alive = [p for p in pids if not _gone([p])]
        pytest.fail(f"the run did not stop within 30 s of the signal; agencies still up: {alive}; its output:\n"
                    f"{log.read_text()[-3000:]}")
    assert _wait(lambda: _gone(pids)), f"agency processes outlived the run:\n{log.read_text()}"
    assert all(_port_free(port) for port in _agency_ports(demo_env))
    assert not pid_file(demo_env["INSTANCE_PATH"]).exists()


def test_systems_left_by_a_crashed_run_are_stopped_before_starting(run_demo, demo_env: dict[str, str],  # type: ignore[no-untyped-def]
                                                                   cohort_dir: Path) -> None:
    # A run that crashed without its children dying: they still hold the ports, with the old credentials.
    ports = {a: int(demo_env[f"SANDBOX_{a.upper()}_PORT"]) for a in AGENCIES}
    admin = {a: int(demo_env[f"SANDBOX_{a.upper()}_ADMIN_PORT"]) for a in AGENCIES if a != "social_work"}
    leftover = start_all(cohort_dir, ports, admin_ports=admin)
    old_pids = [p.pid for p in leftover.processes.values()]
    record_processes(pid_file(demo_env["INSTANCE_PATH"]), leftover.processes)
    try:
        process, _, log = run_demo()
        assert _gone(old_pids)
        output = log.read_text()
        assert output.count("Stopped a sandbox system an earlier run left behind") == len(AGENCIES)
        assert f"health (PID {leftover.processes['health'].pid})" in output
        new_pids = _recorded_pids(demo_env)
        assert set(new_pids).isdisjoint(old_pids) and not _gone(new_pids)
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    finally:
        leftover.stop()


def test_a_port_held_by_another_program_stops_the_run_naming_it(run_demo, demo_env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    held = int(demo_env["SANDBOX_EDUCATION_PORT"])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", held))
        squatter.listen()
        process, _, log = run_demo(wait_until_up=False)
        assert process.wait(60) != 0
    output = log.read_text()
    assert f"port {held} (PID {os.getpid()}" in output
    assert "in use by processes this run did not start" in output


def test_a_recycled_pid_in_the_pid_file_is_never_touched(demo_env: dict[str, str]) -> None:
    from sandbox.stale import stop_stale_processes

    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        path = pid_file(demo_env["INSTANCE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        started = psutil.Process(bystander.pid).create_time()
        path.write_text(json.dumps([{"agency": "health", "pid": bystander.pid, "create_time": started}]))
        assert stop_stale_processes(path) == []  # same PID and start, but not a sandbox system
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
