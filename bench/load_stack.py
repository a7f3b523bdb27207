"""The services the load harness runs against, all on loopback and free ports.

`production_stack`: the five sandbox agencies, a fresh PostgreSQL database for the portal and
audit stores, Redis (a prefix of its own) for rate limits, and gunicorn with N gthread workers.
`demo_stack`: what `make run` serves (one waitress process on SQLite), built in a temporary
instance folder so the developer's own demo is left alone. Both add `practitioners` accounts in
the social work team that works with every demo child, so every view is allowed.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from e2e.servers import PROJECT_ROOT, stop, wait_until_up
from sandbox.launcher import free_port

GUNICORN_CONFIG = PROJECT_ROOT / "gunicorn.conf.py"
DEFAULT_THREADS = 2  # as gunicorn.conf.py
TEAM = ("social_work", "Glenmorven Council Social Work", "Children and Families East")
USER_PREFIX = "loadbench."
# Synthetic users search without pause; the per-user probe limit is for people, so the bench lifts it.
BENCH_SEARCH_LIMIT = "100000 per minute"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
START_TIMEOUT_S = 120


@dataclass
class Stack:
    """A running portal: where it answers, its environment, and the processes to measure."""

    base_url: str
    env: dict[str, str]
    audit_url: str
    process: subprocess.Popen
    kind: str
    password: str
    usernames: list[str]
    children: list[tuple[str, str]]
    set_fault: object = None  # callable(agency, mode, **options), production stack only
    agencies: tuple[str, ...] = ()
    log: Path = field(default_factory=Path)
    requests_seen: object = None  # callable(agency) -> the requests it received (path, query), production only

    def alive(self) -> bool:
        return self.process.poll() is None

    def measured_pids(self) -> tuple[int, list[int]]:
        """The server process and, for gunicorn, its live workers."""
        return self.process.pid, (_children_of(self.process.pid) if self.kind == "gunicorn" else [])

    def kill_one_worker(self) -> int | None:
        workers = _children_of(self.process.pid)
        if not workers:
            return None
        os.kill(workers[0], signal.SIGKILL)
        return workers[0]


def _children_of(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        children.extend(int(part) for part in task.read_text().split())
    return sorted(children)


def _viewable_children(cohort: list[dict]) -> list[tuple[str, str]]:
    """Children a search by CHI finds once, each with a name its record shows."""
    skip = {"sealed", "twins", "namesake", "name_variant"}
    return [(c["chi"], f"{c['forename']} {c['surname']}") for c in cohort
            if c.get("chi") and not skip & set(c.get("tags", ()))]


def create_practitioners(count: int, password: str) -> list[str]:
    """Accounts in the team with a relationship to every demo child (call inside an app context)."""
    from portal.data.users import get_or_create_organisation, upsert_user

    org_id = get_or_create_organisation(*TEAM)
    names = [f"{USER_PREFIX}{n:03d}" for n in range(count)]
    for name in names:
        upsert_user(name, f"Bench Practitioner {name[-3:]}", "practitioner", org_id, password,
                    email=f"{name}@bench.invalid")
    return names


def _gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    command = [sys.executable, "-m", "gunicorn"]
    if GUNICORN_CONFIG.exists():  # the checked-in production config; bind and workers from here, on top
        command += ["-c", str(GUNICORN_CONFIG)]
    else:
        command += ["-k", "gthread", "--threads", str(threads), "--timeout", "120", "--graceful-timeout", "20"]
    return command + ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "portal.wsgi:create_app(exit_status=3)"]


@contextmanager
def production_stack(workdir: Path, *, workers: int, practitioners: int,
                     threads: int = DEFAULT_THREADS) -> Iterator[Stack]:
    from tests.conftest import dispose_engines, make_settings
    from tests.integration.audit.views.conftest import prepare_portal_database
    from tests.support.postgres import fresh_database
    from tests.support.sandbox import running_sandbox, set_fault

    password = secrets.token_urlsafe(16)
    with running_sandbox(workdir / "sandbox") as sandbox, fresh_database("bench_load") as url:
        env = prepare_portal_database(workdir, sandbox, DATABASE_URL=url)
        from portal import create_app

        app = create_app(make_settings(workdir, DATABASE_URL=url))
        with app.app_context():
            usernames = create_practitioners(practitioners, password)
        dispose_engines()
        prefix = f"bench-{uuid.uuid4().hex[:10]}"
        # Production's shared state: limits and sessions in Redis (README "Running in production"), this run's keys.
        env.update(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix, PORTAL_WORKERS=str(workers),
                   SESSION_STORE="redis", REDIS_URL=REDIS_URL, SESSION_KEY_PREFIX=f"{prefix}:session:",
                   SEARCH_RATE_LIMIT=BENCH_SEARCH_LIMIT, FLASK_APP="app.py", METRICS_ALLOWED_ADDRESSES="127.0.0.1",
                   PROMETHEUS_MULTIPROC_DIR=str(workdir / "metrics"))
        port = free_port()
        log = workdir / "gunicorn.log"
        with log.open("w") as out:
            process = subprocess.Popen(_gunicorn_command(port, workers, threads), cwd=PROJECT_ROOT,
                                       env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{base_url}/healthz", process, timeout_s=START_TIMEOUT_S)
            yield Stack(base_url, env, url, process, "gunicorn", password, usernames,
                        _viewable_children(sandbox.cohort),
                        set_fault=lambda agency, mode, **options: set_fault(sandbox, agency, mode, **options),
                        agencies=tuple(sandbox.admin_urls), log=log,
                        requests_seen=lambda agency: _requests_seen(sandbox.admin_urls[agency], sandbox.admin_key))
        finally:
            stop(process)
            _forget_redis_keys(prefix)


def _requests_seen(admin_url: str, admin_key: str) -> list[dict]:
    """The requests one sandbox agency logged (its admin channel), cleared once read."""
    import requests

    url, headers = f"{admin_url}/_sandbox/requests", {"X-Sandbox-Admin": admin_key}
    seen = requests.get(url, headers=headers, timeout=10).json()["requests"]
    requests.delete(url, headers=headers, timeout=10)
    return list(seen)


def _forget_redis_keys(prefix: str) -> None:
    """Delete only this run's keys (never a flush: Redis is shared)."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        keys = list(client.scan_iter(match=f"*{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "portal", *args], cwd=PROJECT_ROOT, env={**os.environ, **env},
                   check=True, stdout=subprocess.DEVNULL, timeout=600)


@contextmanager
def demo_stack(workdir: Path, *, practitioners: int) -> Iterator[Stack]:
    """`make run`'s own stack (db-upgrade, sandbox build, seed-demo, serve-demo) in a temporary instance."""
    from portal import create_app
    from portal.config import Settings
    from sandbox.cohort import list_children
    from tests.conftest import dispose_engines

    instance = workdir / "instance"
    database_url = f"sqlite:///{instance / 'portal.db'}"
    env = {"FLASK_APP": "app.py", "PORTAL_ENV": "demo", "INSTANCE_PATH": str(instance), "DATABASE_URL": database_url,
           "SANDBOX_DATA_DIR": str(instance / "sandbox"), "SEARCH_RATE_LIMIT": BENCH_SEARCH_LIMIT,
           "METRICS_ALLOWED_ADDRESSES": "127.0.0.1"}
    for agency in ("HEALTH", "SOCIAL_WORK", "EDUCATION", "POLICE", "SCRA"):  # never the fixed demo ports
        env[f"SANDBOX_{agency}_PORT"] = str(free_port())
        env[f"SANDBOX_{agency}_ADMIN_PORT"] = str(free_port())
    instance.mkdir(parents=True, exist_ok=True)
    _flask(env, "db-upgrade")
    _flask(env, "sandbox", "build")
    _flask(env, "seed-demo")
    password = secrets.token_urlsafe(16)
    app = create_app(Settings(**{k: v for k, v in env.items() if k != "FLASK_APP"}))  # type: ignore[arg-type]
    with app.app_context():
        usernames = create_practitioners(practitioners, password)
    dispose_engines()
    port = free_port()
    log = workdir / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "flask", "portal", "serve-demo", "--port", str(port)],
                                   cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    agencies: list[int] = []
    try:
        wait_until_up(f"{base_url}/healthz", process, timeout_s=START_TIMEOUT_S)
        agencies = _children_of(process.pid)  # the sandbox systems serve-demo started
        yield Stack(base_url, env, database_url, process, "waitress", password, usernames,
                    _viewable_children(list_children(instance / "sandbox")), log=log)
    finally:
        if process.poll() is None:
            stop(process)
        _stop_orphans(agencies)


def _stop_orphans(pids: list[int]) -> None:
    """If the portal died, the agencies it started outlive it: stop exactly those, by id."""
    for pid in pids:
        try:  # the same process only: its command line still names the sandbox
            if b"sandbox" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGTERM)
        except (FileNotFoundError, ProcessLookupError):
            continue
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.2)
