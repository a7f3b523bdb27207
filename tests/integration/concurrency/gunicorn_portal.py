"""The portal under gunicorn as production runs it: gunicorn.conf.py, several gthread workers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from e2e.servers import PROJECT_ROOT, stop, wait_until_up
from sandbox.launcher import free_port
from tests.support.redis import REDIS_URL, redis_prefix


@contextmanager
def gunicorn_portal(env: dict[str, str], log_path: Path, *, workers: int, threads: int = 8) -> Iterator[str]:
    """Start gunicorn with the checked-in config on a free loopback port; yield its base URL.

    Several workers share their rate limits through Redis (the portal refuses memory:// for them),
    under a key prefix of this run's own."""
    port = free_port()
    with redis_prefix("gunicorn-test") as prefix:
        settings = {"PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_WORKERS": str(workers),
                    "PORTAL_THREADS": str(threads),
                    "PROMETHEUS_MULTIPROC_DIR": str(log_path.parent / f"metrics-{port}"),
                    "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_ROOT / "gunicorn.conf.py")],
                cwd=PROJECT_ROOT, env={**os.environ, **env, **settings}, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process, timeout_s=60)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)
