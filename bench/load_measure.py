"""What the load harness reads besides the users' own view: CPU from /proc, the audit trail, /metrics."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select

from bench.load_stack import USER_PREFIX
from e2e.servers import PROJECT_ROOT

TICKS = os.sysconf("SC_CLK_TCK")
METRIC_LINE = re.compile(r'^([a-zA-Z_:][\w:]*?)_(sum|count)\{([^}]*)\}\s+([0-9.eE+-]+)$')
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


def agency_latency(base_url: str) -> dict[str, float] | None:
    """Mean latency per agency from Prometheus histograms labelled `agency`, if the portal serves /metrics."""
    url = os.environ.get("BENCH_METRICS_URL", f"{base_url}/metrics")
    try:
        response = requests.get(url, timeout=5)
    except requests.RequestException:
        return None
    if response.status_code != 200 or "text/plain" not in response.headers.get("Content-Type", ""):
        return None
    sums: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for line in response.text.splitlines():
        match = METRIC_LINE.match(line)
        agency = AGENCY_LABEL.search(match.group(3)) if match else None
        if match is None or agency is None or "seconds" not in match.group(1):
            continue  # only time histograms labelled by agency
        bucket = sums[(match.group(1), agency.group(1))]  # summed over other labels (outcome, worker …)
        bucket[match.group(2)] = bucket.get(match.group(2), 0.0) + float(match.group(4))
    means = {agency: value["sum"] / value["count"] * 1000 for (_, agency), value in sums.items()
             if value.get("count")}
    return means or None
