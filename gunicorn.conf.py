"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (README, "Running in production").

Every worker is a separate process with gthread threads; each builds its own app, database
pools, connectors and fan-out pool after the fork (no preload), so nothing is shared between
processes except PostgreSQL, Redis and the Prometheus files below. Values come from the environment.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

# A worker finding a bad setting or file prints the reason and exits 3: gunicorn stops rather than respawn it.
wsgi_app = "portal.wsgi:create_app(exit_status=3)"
bind = [address.strip() for address in os.environ.get("PORTAL_BIND", "127.0.0.1:8000").split(",")]
worker_class = "gthread"
# Four per CPU, two threads each: a worker's threads share one interpreter lock, so two views in one worker take
# turns while another worker may sit idle, and keep-alive holds a practitioner's connection to one worker. Fewer
# views per worker steadied p95 at half load for the same views/s at full load (measurements: README, "Performance
# under load", seventh round).
workers = int(os.environ.get("PORTAL_WORKERS", str(4 * (os.cpu_count() or 1))))
# The app checks this count (several workers refuse process-local rate limits): tell it the real one.
os.environ["PORTAL_WORKERS"] = str(workers)
# Request threads per worker; the fan-out pool (FANOUT_THREADS, default 32) runs their agency calls. Workers x
# threads is how many views run at once (16 on 2 cores). A view waiting on a hung agency holds its thread for the
# whole deadline, so where agencies are often slow, more threads keep more views moving.
threads = int(os.environ.get("PORTAL_THREADS", "2"))
# Connections waiting for a thread; past this the kernel refuses new ones (bounded, never an endless queue).
backlog = int(os.environ.get("PORTAL_BACKLOG", "256"))
# A request may take the federation deadline plus rendering; a worker silent for longer is restarted.
timeout = int(os.environ.get("PORTAL_WORKER_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Restart workers now and then, with jitter so they do not all restart at once.
max_requests = int(os.environ.get("PORTAL_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
preload_app = False
accesslog = None  # the app writes one JSON line per request itself (portal/observability.py)
errorlog = "-"
# The TLS proxy in front sets X-Forwarded-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
GC_YOUNG_THRESHOLD = 10_000  # see post_worker_init

# Prometheus multiprocess mode: every worker writes its samples here; /metrics in any worker sums them.
# Set before any worker imports prometheus_client (workers are forked after this file is read).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / f"portal-metrics-{os.getpid()}"))


def on_starting(server: Any) -> None:
    """Refuse a wrong setting or configuration file once, here, with its reason and exit status 1 (a worker
    failing to boot would print a stack trace, and gunicorn exit 3); then start with no samples from an
    earlier run (only prometheus-client's own *.db files are removed)."""
    from portal.wsgi import check_configuration

    check_configuration()
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    for leftover in folder.glob("*.db"):
        leftover.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges (in-flight calls, sessions) stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker: Any) -> None:
    """Once the worker has built its app: the objects it will keep (modules, app, config) move out of the
    collector's generations (`gc.freeze`), and the youngest generation is collected after 10,000 net new
    objects rather than 700. A content view holds a few thousand parsed agency objects at its peak, so at 700
    it set off about one collection a view, each walking them; measured with `gc.callbacks` over 200 views
    (`bench.view_cpu`): 228 collections taking 0.4 s before, 2 taking 0.04 s after."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
