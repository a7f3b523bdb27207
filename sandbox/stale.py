"""Sandbox processes left behind by a run that crashed, and ports someone else holds.

`make run` writes the process ids of the agency systems it starts to a file in the instance
folder. At the next start, processes named there are stopped only if they provably are those
systems (same PID *and* start time *and* a `-m sandbox serve` command line), so a recycled
PID is never touched. A port still held afterwards belongs to something else: the run
refuses to start and says which ports and, where the OS tells us, which processes.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

SERVE_COMMAND = ("-m", "sandbox", "serve")


class PortsHeld(RuntimeError):
    """Agency ports are in use by processes this run did not start; the message names them."""


@dataclass(frozen=True)
class HeldPort:
    port: int
    pids: tuple[int, ...]  # empty when the OS does not say (e.g. another user's process)

    def describe(self) -> str:
        if not self.pids:
            return f"port {self.port} (process unknown)"
        return f"port {self.port} (PID {', '.join(str(pid) for pid in self.pids)}: {_name(self.pids[0])})"


def _name(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline())[:120] or psutil.Process(pid).name()
    except psutil.Error:
        return "unknown"


def record_processes(path: Path, processes: Mapping[str, subprocess.Popen[bytes]]) -> None:
    """Write the PID file for the systems just started (PID, start time, agency)."""
    entries = []
    for agency, process in processes.items():
        try:
            started = psutil.Process(process.pid).create_time()
        except psutil.Error:
            continue
        entries.append({"agency": agency, "pid": process.pid, "create_time": started})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries))


def forget_processes(path: Path) -> None:
    path.unlink(missing_ok=True)


def _is_ours(entry: Mapping[str, Any]) -> psutil.Process | None:
    """The process, if it is still the sandbox system the PID file recorded (its JSON values are checked by
    int() and float() here, which raise on anything else)."""
    try:
        process = psutil.Process(int(entry["pid"]))
        same_start = abs(process.create_time() - float(entry["create_time"])) < 0.01
        command = process.cmdline()
    except (psutil.Error, KeyError, TypeError, ValueError):
        return None
    serving = any(tuple(command[i:i + 3]) == SERVE_COMMAND for i in range(len(command)))
    return process if same_start and serving else None


def stop_stale_processes(path: Path, timeout: float = 5.0) -> list[str]:
    """Stop the systems a previous run recorded and left running; returns what was stopped ("health (PID 123)")."""
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        entries = []
    survivors = [(entry, process) for entry in entries if (process := _is_ours(entry)) is not None]
    for _, process in survivors:
        process.terminate()
    _, alive = psutil.wait_procs([process for _, process in survivors], timeout=timeout)
    for process in alive:
        process.kill()
    psutil.wait_procs(alive, timeout=timeout)
    forget_processes(path)
    return [f"{entry.get('agency')} (PID {process.pid})" for entry, process in survivors]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _listeners(port: int) -> tuple[int, ...]:
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return ()
    return tuple(sorted({c.pid for c in connections
                         if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN and c.pid}))


def held_ports(ports: Iterable[int]) -> list[HeldPort]:
    """Ports (of those given) that something is listening on now, with the listening PIDs where known."""
    return [HeldPort(port, _listeners(port)) for port in sorted(set(ports)) if not _port_free(port)]


def ensure_ports_free(ports: Iterable[int]) -> None:
    """Raise PortsHeld naming every held port and its process; the caller must not start on them."""
    held = held_ports(ports)
    if held:
        raise PortsHeld(
            "The sandbox agency ports are in use by processes this run did not start: "
            + "; ".join(h.describe() for h in held)
            + ". Stop them (or set SANDBOX_<AGENCY>_PORT / _ADMIN_PORT to free ports) and run again."
        )


def pid_file(instance_path: Path | str) -> Path:
    return Path(instance_path) / "sandbox-processes.json"
