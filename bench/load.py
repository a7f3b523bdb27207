"""Load and fault harness: many practitioners at once against the real portal. (Not a test.)

    make bench-load                                     # every scenario, 60 s each
    BENCH_SECONDS=10 make bench-load                    # quick
    .venv/bin/python -m bench.load --only steady,kill   # some scenarios (name prefixes)

Starts the five sandbox agencies, a fresh PostgreSQL database (portal and audit stores),
Redis for rate limits, and gunicorn with BENCH_WORKERS gthread workers; signs in distinct
practitioners (accounts in the team that works with every demo child) and runs locust,
headless, in its own process: search with a purpose, open the record, filter, page, print.
Then the same against `make run`'s own demo stack (one waitress process, SQLite).

Prints one table: concurrency, views/s, content p50/p95/p99, errors by kind, committed
`view_child` entries against content responses that carried the record (per user and child),
CPU per audited content view over the measured window (the portal's, the whole stack's and locust's
own), the longest pause between views, and `flask portal audit verify`; under it, how much of the
machine's cores each process used (portal, each agency, PostgreSQL, Redis, locust, everything else).
Loopback only; every wait is bounded, so it always stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load_measure import (
    audit_views,
    cpu_between,
    cpu_snapshot,
    metrics_notes,
    postgres_pids,
    redis_pids,
    sandbox_pids,
    scrape,
    verify_audit,
)
from bench.load_stack import Stack, demo_stack, production_stack
from e2e.servers import PROJECT_ROOT

SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
DEMO_SECONDS = float(os.environ.get("BENCH_DEMO_SECONDS", str(SECONDS)))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(4 * (os.cpu_count() or 1))))  # as gunicorn.conf.py
# "p95 at half that load": the 50 views/s halved, as a fixed pace (practitioners pause between views)
PACED_RATE = float(os.environ.get("BENCH_PACED_RATE", "25"))
DRIVER_LIMIT_S = 600  # the driver's own limits (sign-in, window, drain) end well before this


@dataclass(frozen=True)
class Scenario:
    name: str
    users: int
    fault: Callable[[Stack], None] | None = None  # set before the run, cleared after
    mid_run: Callable[[Stack], str] | None = None  # done half way through; returns a note
    mode: str = "journey"  # or "content": each practitioner re-reads a few open records
    rate: float | None = None  # views/s asked of all practitioners together (each paces itself); None: no pause


@dataclass
class Row:
    scenario: str
    users: int
    views_per_s: float
    p50: float
    p95: float
    p99: float
    errors: Counter[str]
    entries: int
    shown: int
    without_entry: int
    cpu_ms_per_view: float  # the portal's CPU over the measured window per content view shown in it
    stack_ms_per_view: float  # portal, agencies, PostgreSQL backends and the (shared) Redis server
    locust_ms_per_view: float  # the load generator's own
    max_gap_s: float
    verified: bool
    alive: bool
    load_average: float  # the machine's 1-minute load at the end: other work shares these cores
    notes: list[str] = field(default_factory=list)


def _latency_all(stack: Stack) -> None:
    for agency in stack.agencies:
        stack.set_fault(agency, "latency", latency_min_ms=50, latency_max_ms=400)  # type: ignore[operator]


def _hang_police(stack: Stack) -> None:
    stack.set_fault("police", "hang", hang_seconds=600)  # type: ignore[operator]


def _kill_worker(stack: Stack) -> str:
    pid = stack.kill_one_worker()
    return f"kill -9 worker {pid} at half time" if pid else "no worker to kill"


def production_scenarios() -> list[Scenario]:
    return [
        Scenario("steady 8", 8), Scenario("steady 32", 32), Scenario("steady 64", 64),
        # The issue's own measure: audited content views alone, as when 8 sessions broke the demo.
        Scenario("content only 1", 1, mode="content"), Scenario("content only 16", 16, mode="content"),
        Scenario("content only 32", 32, mode="content"),
        # Capacity runs above keep a saturated portal queued; this one asks a fixed rate, as real practitioners
        # who read between views would, so its p95 says what a user waits at that load.
        Scenario(f"content paced 16 at {PACED_RATE:g}/s", 16, mode="content", rate=PACED_RATE),
        Scenario("latency 50-400 ms", 32, fault=_latency_all),
        Scenario("police hung", 32, fault=_hang_police),
        Scenario("kill -9 one worker", 32, mid_run=_kill_worker),
    ]


def _measured_groups(stack: Stack, driver_pid: int) -> dict[str, list[int]]:
    """The processes besides the portal whose CPU the table reports, by name."""
    groups = {agency: [pid] for agency, pid in sorted(sandbox_pids().items())}
    groups["postgres"] = postgres_pids(stack.audit_url)
    if stack.kind == "gunicorn":
        groups["redis (shared server)"] = redis_pids()
    groups["locust"] = [driver_pid]
    return groups


def _run_driver(stack: Stack, scenario: Scenario, seconds: float, notes: list[str],
                workdir: Path) -> tuple[dict, dict[str, float], float]:
    """The driver's result, the CPU seconds each process spent in the measured window, and the window's length."""
    users, mid_run = scenario.users, scenario.mid_run
    plan = {"host": stack.base_url, "users": users, "seconds": seconds, "password": stack.password,
            "mode": scenario.mode, "rate": scenario.rate,
            "usernames": stack.usernames[:users], "children": stack.children}
    log_path = workdir / f"driver-{time.monotonic_ns()}.log"
    log = log_path.open("w")
    driver = subprocess.Popen([sys.executable, "-m", "bench.load_driver"], cwd=PROJECT_ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, "PYTHONPATH": "."})
    window: dict[str, Any] = {}

    def watch() -> None:
        # CPU is read over the measured window only (sign-in, with its password hashing, and the drain are
        # not views); the driver says when the window starts. A mid-run action happens half way through it.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and "window starts" not in log_path.read_text():
            if driver.poll() is not None:
                return
            time.sleep(0.1)
        started = time.monotonic()
        window["start"] = cpu_snapshot(stack.measured_pids(), _measured_groups(stack, driver.pid))
        if mid_run is not None:
            time.sleep(seconds / 2)
            notes.append(mid_run(stack))
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        window["end"] = cpu_snapshot(stack.measured_pids(), _measured_groups(stack, driver.pid))
        window["seconds"] = time.monotonic() - started

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, _ = driver.communicate(json.dumps(plan), timeout=DRIVER_LIMIT_S)
    except subprocess.TimeoutExpired:
        driver.kill()
        out, _ = driver.communicate()
    finally:
        log.close()
    watcher.join(timeout=30)
    if driver.returncode != 0 or not out:
        raise RuntimeError(f"load driver failed ({driver.returncode}): {log_path.read_text()[-2000:]}")
    if "end" not in window:
        notes.append("CPU not measured: the window's end was not seen")
        return json.loads(out), {}, 0.0
    return json.loads(out), cpu_between(window["start"], window["end"]), window["seconds"]


def _percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run_scenario(stack: Stack, scenario: Scenario, seconds: float, workdir: Path) -> Row:
    notes: list[str] = []
    if scenario.fault is not None:
        scenario.fault(stack)
    log_from = stack.log.stat().st_size if stack.log.is_file() else 0
    before_entries = audit_views(stack.audit_url)
    metrics_before = scrape(stack.base_url)
    try:
        result, cpu, window_s = _run_driver(stack, scenario, seconds, notes, workdir)
    finally:
        if scenario.fault is not None:
            for agency in stack.agencies:
                stack.set_fault(agency, None)  # type: ignore[operator]
    entries = audit_views(stack.audit_url) - before_entries
    shown = Counter({(user, chi): count for user, chi, count in result["shown"]})
    without_entry = sum(max(0, count - entries.get(key, 0)) for key, count in shown.items())
    extra_entries = sum(max(0, count - shown.get(key, 0)) for key, count in entries.items())
    if extra_entries:
        notes.append(f"{extra_entries} entries for views whose response never arrived (in flight at a kill)")
    if result["sign_in_failed"]:
        notes.append(f"{result['sign_in_failed']} practitioners could not sign in")
    if result["abandoned_users"]:
        notes.append(f"{result['abandoned_users']} users still waiting when the drain limit passed")
    times = sorted(result["content_at"])
    in_window = [t for t in times if 0 <= t <= seconds]
    gaps = [b - a for a, b in zip([0.0, *in_window], [*in_window, seconds], strict=True)]
    total_shown = sum(shown.values())
    verified, verify_text = verify_audit(stack.env)
    if not verified:
        notes.append(f"audit verify: {verify_text}")
    notes.extend(_server_log_problems(stack.log, log_from))
    if not stack.alive():
        last = [line for line in stack.log.read_text(errors="replace").splitlines() if line.strip()][-1:]
        notes.append(f"the portal process exited with code {stack.process.returncode} (negative: killed by that "
                     f"signal; -11 is a segmentation fault); its log ends: {last[0][:160] if last else '(empty)'}")
    notes.extend(metrics_notes(metrics_before, scrape(stack.base_url)))
    views = result["views_in_window"]
    notes.extend(_cpu_notes(cpu, window_s, views))
    stack_cpu = sum(spent for name, spent in cpu.items() if name not in ("locust", "machine"))

    def per_view(spent: float) -> float:
        return spent * 1000 / views if views else 0.0

    return Row(scenario.name, scenario.users, views / seconds,
               _percentile(result["content_ms"], 50), _percentile(result["content_ms"], 95),
               _percentile(result["content_ms"], 99), Counter(result["errors"]), sum(entries.values()), total_shown,
               without_entry, per_view(cpu.get("portal", 0.0)), per_view(stack_cpu), per_view(cpu.get("locust", 0.0)),
               max(gaps), verified, stack.alive(), os.getloadavg()[0], notes)


def _cpu_notes(cpu: dict[str, float], window_s: float, views: int) -> list[str]:
    """How much of the machine's cores each process used over the window, and its CPU per content view."""
    if not cpu or window_s <= 0:
        return []
    cores = os.cpu_count() or 1
    named = sorted(((name, spent) for name, spent in cpu.items() if name != "machine"), key=lambda kv: -kv[1])
    listed = sum(spent for _, spent in named)
    others = max(cpu.get("machine", 0.0) - listed, 0.0)
    used = ", ".join(f"{name} {spent / window_s:.2f}" for name, spent in named)
    lines = [f"cores used over the {window_s:.0f} s window (of {cores}): {used}; everything else on the machine "
             f"{others / window_s:.2f} (other sessions' work, the harness itself)"]
    if views:
        lines.append("CPU ms per audited content view: " + ", ".join(
            f"{name} {spent * 1000 / views:.1f}" for name, spent in named))
    return lines


SERVER_PROBLEMS = ("WORKER TIMEOUT", "Traceback", "unhandled", "Segmentation fault", "Fatal Python error",
                   "audit trail unavailable", "was sent SIG", "exited with code", "Booting worker")


def _server_log_problems(log: Path, start: int) -> list[str]:
    """What the portal's own log says went wrong during the scenario (counts of each kind)."""
    if not log.is_file():
        return []
    with log.open("rb") as handle:
        handle.seek(start)
        text = handle.read().decode(errors="replace")
    found = Counter(problem for line in text.splitlines() for problem in SERVER_PROBLEMS if problem in line)
    return [f"server log: {', '.join(f'{problem} x{n}' for problem, n in found.most_common())}"] if found else []


def print_table(rows: list[Row], header: str) -> None:
    print(f"\n{header}\n")
    print("| scenario | users | views/s | p50 ms | p95 ms | p99 ms | errors by kind | view_child entries / "
          "content shown | shown without entry | portal CPU ms/view | stack CPU ms/view | locust CPU ms/view "
          "| longest pause s | audit verify | portal alive | load avg |")
    print("|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---|---|---:|")
    for r in rows:
        errors = ", ".join(f"{kind}: {n}" for kind, n in r.errors.most_common()) or "none"
        print(f"| {r.scenario} | {r.users} | {r.views_per_s:.1f} | {r.p50:.0f} | {r.p95:.0f} | {r.p99:.0f} | {errors} "
              f"| {r.entries} / {r.shown} | {r.without_entry} | {r.cpu_ms_per_view:.0f} | {r.stack_ms_per_view:.0f} "
              f"| {r.locust_ms_per_view:.0f} | {r.max_gap_s:.1f} "
              f"| {'passes' if r.verified else 'FAILS'} | {'yes' if r.alive else 'NO'} | {r.load_average:.1f} |")
    for r in rows:
        for note in r.notes:
            print(f"- {r.scenario}: {note}")
    by_name = {r.scenario: r for r in rows}
    single = by_name.get("content only 1")
    compared = [r for r in rows if r.scenario == "content only 16" or r.scenario.startswith("content paced")]
    for other in compared if single is not None and single.p95 else []:
        assert single is not None
        print(f"- {other.scenario}: p95 is {other.p95 / single.p95:.2f}x a single practitioner's "
              f"({other.p95:.0f} ms against {single.p95:.0f} ms)")
    sys.stdout.flush()


@contextmanager
def _workdir() -> Iterator[Path]:
    """A temporary folder; with BENCH_LOG_DIR set, the server and driver logs are copied there first."""
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        try:
            yield Path(folder)
        finally:
            keep = os.environ.get("BENCH_LOG_DIR")
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                for log in Path(folder).glob("*.log"):
                    shutil.copy(log, Path(keep) / log.name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated scenario name prefixes (demo for the demo stack)")
    args = parser.parse_args(argv)
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]

    def chosen(name: str) -> bool:
        return not wanted or any(name.startswith(w) for w in wanted)

    scenarios = [s for s in production_scenarios() if chosen(s.name)]
    rows: list[Row] = []
    cores = os.cpu_count()
    if scenarios:
        with _workdir() as workdir, production_stack(
                workdir, workers=WORKERS, practitioners=max(s.users for s in scenarios)) as stack:
            print(f"production shape: gunicorn {WORKERS} workers at {stack.base_url}, PostgreSQL, Redis; "
                  f"{cores} cores; {SECONDS:.0f} s per scenario", file=sys.stderr, flush=True)
            for scenario in scenarios:
                rows.append(run_scenario(stack, scenario, SECONDS, workdir))
                print(f"done: {scenario.name}", file=sys.stderr, flush=True)
        print_table(rows, f"Production shape: gunicorn, {WORKERS} gthread workers, PostgreSQL, Redis "
                          f"({cores} cores, {SECONDS:.0f} s per scenario)")
    if chosen("demo"):
        with _workdir() as workdir, demo_stack(workdir, practitioners=64) as stack:
            demo = [run_scenario(stack, Scenario("demo stack", 64), DEMO_SECONDS, workdir)]
        print_table(demo, f"`make run`'s demo stack: one waitress process, SQLite ({cores} cores, "
                          f"{DEMO_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
