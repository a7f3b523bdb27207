"""Several live portal processes (waitress) serving the same databases, for load from outside."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from e2e.servers import PROJECT_ROOT, stop, wait_until_up
from sandbox.launcher import free_port

WAITRESS_THREADS = 4


@contextmanager
def portal_processes(count: int, env: dict[str, str], log_dir: Path) -> Iterator[list[str]]:
    """Start `count` portals on free ports (all at once, then wait for each); yield their base URLs."""
    import os

    started: list[tuple[subprocess.Popen, str]] = []
    try:
        for index in range(count):
            port = free_port()
            log = (log_dir / f"portal-{index}.log").open("w")
            process = subprocess.Popen(
                [sys.executable, "-m", "waitress", "--listen", f"127.0.0.1:{port}", "--threads",
                 str(WAITRESS_THREADS), "--call", "portal:create_app"],
                cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
            )
            log.close()  # the child holds its own descriptor
            started.append((process, f"http://127.0.0.1:{port}"))
        for process, url in started:
            wait_until_up(f"{url}/healthz", process, timeout_s=60)
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            stop(process)
