"""Start and stop the sandbox agency systems as child processes (for `make run` and test fixtures).

Each system runs as `python -m sandbox serve <agency>` on its own loopback port; `start_all`
returns once every one answers on its admin port, and `SandboxHandle.stop()` ends them.
"""

from __future__ import annotations

import ctypes
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import requests

from sandbox.servers import config

REPO_ROOT = Path(__file__).resolve().parent.parent
API_PATHS = {"health": "/fhir", "education": "/api/v1", "police": "/api", "scra": "/api/v1"}


class SandboxStartError(RuntimeError):
    """A sandbox system did not come up; the message carries the end of its log."""


PORT_SPAN = 10_000  # ports tried below the kernel's range for outgoing connections
_HANDED_OUT: set[int] = set()  # every port free_port has given this process
_HANDED_OUT_LOCK = threading.Lock()


def _outgoing_ports_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A loopback port free right now, for tests that start their own systems; never the same one twice.

    Picked below the kernel's range for outgoing connections' source ports. A port from that range (what
    binding port 0 gives) can be taken by any client socket between this check and the server's own bind:
    a sandbox system then failed to start with "Address already in use" and every test of its module erred.
    Callers pick several ports before starting anything (an agency's main and admin ports, then the portal's),
    so a port handed out is not handed out again by this process, even though nothing holds it yet.
    """
    top = _outgoing_ports_start()
    low = max(1024, top - PORT_SPAN)
    for _ in range(200):  # bounded: a busy span falls back to the kernel's own pick
        port = random.randrange(low, top)
        with _HANDED_OUT_LOCK:
            if port in _HANDED_OUT:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _HANDED_OUT.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SandboxHandle:
    """The running systems: their base URLs, admin URLs and processes."""

    urls: dict[str, str]
    admin_urls: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_dir: Path | None = None

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every system to stop (SIGTERM), then kill any that have not within `timeout` seconds."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.log_dir is not None:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def log_tail(self, agency: str, lines: int = 20) -> str:
        """The last lines a system wrote to stderr (for diagnosing a failed start)."""
        if self.log_dir is None:
            return ""
        path = self.log_dir / f"{agency}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_all(
    data_dir: Path,
    ports: dict[str, int] | None = None,
    env: dict[str, str] | None = None,
    *,
    admin_ports: dict[str, int] | None = None,
    agencies: Iterable[str] = config.AGENCIES,
    timeout: float = 20.0,
    show_logs: bool = False,
    die_with_parent: bool = False,
) -> SandboxHandle:
    """Start the systems on loopback and wait until each answers.

    `ports` gives main ports (social work: its admin port); missing ones come from
    `SANDBOX_<AGENCY>_PORT` or the defaults. When `ports` is given, admin ports not in
    `admin_ports` are picked free, so tests never collide with a running `make run`.
    `env` is added to the children's environment (credentials, `SANDBOX_<AGENCY>_FAULT`, …).
    With `show_logs` the children write to this process's stderr; otherwise to temporary
    files that are removed on stop (their tail is quoted if a system fails to start).
    With `die_with_parent` (Linux) each system is also ended by the kernel if this process dies
    without stopping them (e.g. SIGKILL), so a crashed `make run` leaves nothing on the ports.
    """
    child_env = {**os.environ, **(env or {}), "SANDBOX_DATA_DIR": str(data_dir)}
    log_dir = None if show_logs else Path(tempfile.mkdtemp(prefix="sandbox-logs-"))
    handle = SandboxHandle(urls={}, admin_urls={}, log_dir=log_dir)
    try:
        for agency in agencies:
            port, admin_port = _ports_for(agency, ports, admin_ports, child_env)
            handle.processes[agency] = _spawn(agency, data_dir, port, admin_port, child_env, handle.log_dir,
                                              die_with_parent)
            handle.admin_urls[agency] = f"http://127.0.0.1:{admin_port}"
            handle.urls[agency] = _base_url(agency, port, data_dir, child_env)
        for agency in handle.processes:
            _wait_ready(handle, agency, time.monotonic() + timeout)
    except BaseException:
        handle.stop()
        raise
    return handle


def _ports_for(agency: str, ports: Mapping[str, int] | None, admin_ports: Mapping[str, int] | None,
               env: Mapping[str, str]) -> tuple[int, int]:
    port = (ports or {}).get(agency) or config.port_for(agency, env)
    if agency == "social_work":
        return port, port
    if admin_ports and agency in admin_ports:
        return port, admin_ports[agency]
    return port, (free_port() if ports else config.admin_port_for(agency, env))


def planned_ports(env: Mapping[str, str] | None = None) -> list[int]:
    """Every port (main and admin) `start_all` would use without explicit ports: what `make run` needs free."""
    env = os.environ if env is None else env
    return sorted({port for agency in config.AGENCIES for port in _ports_for(agency, None, None, env)})


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to send SIGTERM when the parent dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _spawn(agency: str, data_dir: Path, port: int, admin_port: int, env: Mapping[str, str],
           log_dir: Path | None, die_with_parent: bool = False) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "sandbox", "serve", agency, "--data-dir", str(data_dir),
               "--port", str(port), "--admin-port", str(admin_port)]
    preexec = _die_with_parent if die_with_parent else None
    if log_dir is None:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=dict(env), stdout=subprocess.DEVNULL,
                                preexec_fn=preexec)
    with open(log_dir / f"{agency}.log", "wb") as log:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=dict(env), stdout=subprocess.DEVNULL, stderr=log,
                                preexec_fn=preexec)


def _base_url(agency: str, port: int, data_dir: Path, env: Mapping[str, str]) -> str:
    if agency != "social_work":
        return f"http://127.0.0.1:{port}{API_PATHS[agency]}"
    return env.get("SANDBOX_SOCIAL_WORK_DB_URL") or f"sqlite:///{data_dir / config.STORE_FILES['social_work']}"


def _wait_ready(handle: SandboxHandle, agency: str, deadline: float) -> None:
    process, url = handle.processes[agency], handle.admin_urls[agency] + "/_sandbox/health"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SandboxStartError(f"{agency} exited with {process.returncode}:\n{handle.log_tail(agency)}")
        try:
            if requests.get(url, timeout=0.5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise SandboxStartError(f"{agency} did not answer on {url} in time:\n{handle.log_tail(agency)}")
