"""What the load harness reads besides the users' own view: CPU from /proc, the audit trail, /metrics."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text

from bench.load_stack import USER_PREFIX
from e2e.servers import PROJECT_ROOT

TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE = re.compile(r'^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+([0-9.eE+-]+|NaN|[+-]Inf)$')
AGENCY_LABEL = re.compile(r'agency="([^"]+)"')


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()  # fields after the command name


def cpu_seconds(server_pid: int, worker_pids: list[int]) -> float:
    """User+system CPU of the server and its workers. Reaped workers (a killed one) count through the
    server's cutime/cstime, so a delta across a worker's death still adds up."""
    try:
        fields = _stat(server_pid)
    except FileNotFoundError:
        return 0.0
    total = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime, stime, cutime, cstime
    for pid in worker_pids:
        try:
            fields = _stat(pid)
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def audit_views(audit_url: str) -> Counter[tuple[str, str]]:
    """Committed `view_child` entries by the bench's practitioners, per (user, child)."""
    from portal.audit.models import audit_entries

    engine = create_engine(audit_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(audit_entries.c.user_id, audit_entries.c.subject_chi, func.count())
                .where(audit_entries.c.event_type == "view_child", audit_entries.c.user_id.like(f"{USER_PREFIX}%"))
                .group_by(audit_entries.c.user_id, audit_entries.c.subject_chi)).all()
    finally:
        engine.dispose()
    return Counter({(user, chi): count for user, chi, count in rows})


def verify_audit(env: dict[str, str]) -> tuple[bool, str]:
    """`flask portal audit verify`, as an operator would run it."""
    done = subprocess.run([sys.executable, "-m", "flask", "portal", "audit", "verify"], cwd=PROJECT_ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else ""


def scrape(base_url: str) -> dict[str, float] | None:
    """Every sample line of /metrics (`name{labels}` -> value), or None if the portal serves none to us."""
    url = os.environ.get("BENCH_METRICS_URL", f"{base_url}/metrics")
    try:
        response = requests.get(url, timeout=10)
    except requests.RequestException:
        return None
    if response.status_code != 200 or "text/plain" not in response.headers.get("Content-Type", ""):
        return None
    samples = {}
    for line in response.text.splitlines():
        match = SAMPLE.match(line)
        if match:
            samples[match.group(1)] = float(match.group(2))
    return samples


def metrics_notes(before: dict[str, float] | None, after: dict[str, float] | None) -> list[str]:
    """Per-agency mean latency, busy refusals and audit write time over one scenario, from /metrics deltas."""
    if not before or not after:
        return []
    delta = {key: value - before.get(key, 0.0) for key, value in after.items()}
    sums: dict[str, dict[str, float]] = defaultdict(lambda: {"sum": 0.0, "count": 0.0})
    busy = audit_sum = audit_count = 0.0
    for key, value in delta.items():
        name = key.split("{", 1)[0]
        agency = AGENCY_LABEL.search(key)
        if agency and "seconds" in name and name.endswith(("_sum", "_count")):
            sums[agency.group(1)][name.rsplit("_", 1)[1]] += value
        elif "busy" in name and name.endswith("_total"):
            busy += value
        elif name.startswith("portal_audit_write_seconds_sum"):
            audit_sum += value
        elif name.startswith("portal_audit_write_seconds_count"):
            audit_count += value
    notes = []
    means = {agency: v["sum"] / v["count"] * 1000 for agency, v in sorted(sums.items()) if v["count"]}
    if means:
        notes.append("agency mean ms (/metrics): " + ", ".join(f"{a} {ms:.0f}" for a, ms in means.items()))
    if audit_count:
        notes.append(f"audit write mean {audit_sum / audit_count * 1000:.1f} ms over {audit_count:.0f} writes "
                     "(/metrics)")
    if busy:
        notes.append(f"busy 503 refusals {busy:.0f} (/metrics)")
    return notes


def process_cpu(pid: int) -> float | None:
    try:
        fields = _stat(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = [int(part) for part in task.read_text().split()]
        except FileNotFoundError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def sandbox_pids() -> dict[str, int]:
    """The sandbox agency systems this run started, by agency: our children (production stack) or the demo
    portal's (it starts its own); their command line is `… -m sandbox serve <agency> …`."""
    found = {}
    for pid in _descendants(os.getpid()):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if b"sandbox" in argv and b"serve" in argv and argv.index(b"serve") + 1 < len(argv):
            found[argv[argv.index(b"serve") + 1].decode()] = pid
    return found


def postgres_pids(url: str) -> list[int]:
    """The PostgreSQL backends connected to the portal's database (not the shared server's others)."""
    if not url.startswith("postgresql"):
        return []
    database = url.rsplit("/", 1)[1].split("?")[0]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("select pid from pg_stat_activity where datname = :d "
                                           "and pid <> pg_backend_pid()"), {"d": database}).all()
    finally:
        engine.dispose()
    return [int(row[0]) for row in rows]


def redis_pids() -> list[int]:
    """The Redis server's process (shared with other work on this machine: its CPU is not all ours)."""
    import psutil

    return [p.pid for p in psutil.process_iter(["name"]) if (p.info.get("name") or "").startswith("redis-server")]


def machine_busy_seconds() -> float:
    """CPU seconds every core spent not idle since boot (/proc/stat), whoever spent them."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def cpu_snapshot(portal: tuple[int, list[int]], groups: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    """Cumulative CPU seconds now: the portal (server and workers, reaped ones included), each process of each
    group by pid, and the whole machine."""
    snapshot = {"portal": {0: cpu_seconds(*portal)}, "machine": {0: machine_busy_seconds()}}
    for name, pids in groups.items():
        snapshot[name] = {pid: cpu for pid in pids if (cpu := process_cpu(pid)) is not None}
    return snapshot


def cpu_between(start: dict[str, dict[int, float]], end: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each group spent between two snapshots. A process first seen at the end counts whole (it
    started in between); one gone by the end is lost (its last seconds are not known)."""
    return {name: sum(cpu - start.get(name, {}).get(pid, 0.0) for pid, cpu in pids.items())
            for name, pids in end.items()}
