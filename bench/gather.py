"""Benchmark: does gathering from N agencies cost the slowest agency, not the sum? (Not a test.)

    .venv/bin/python -m bench.gather                 # fake connectors, 300 ms each
    .venv/bin/python -m bench.gather --sandbox       # also the real sandbox systems with a 300 ms latency fault

Prints a table: connectors, per-agency latency, the sum of latencies, the median
gather wall time over several runs, and a row with one agency hung showing that
the gather returns at the deadline. Prints counts and timings only, never records.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.table import print_columns
from connectors.categories import all_categories
from connectors.models import PersonQuery, PersonRecord, SourceState
from portal.record.gather import ConnectorLike, GatheredSource, GatherRequest, gather
from tests.support.fakes import FakeConnector

AGENCIES = ("health", "social_work", "education", "police", "scra")
CHI = "1503741206"
REPO_ROOT = Path(__file__).resolve().parent.parent


def sleepy_connector(agency: str, latency_s: float) -> FakeConnector:
    """A stand-in agency that takes half of `latency_s` to find the child and the other half to fetch."""
    return FakeConnector(
        agency,
        [PersonRecord(agency, "bench-1", identifiers=(("chi", CHI),))],
        categories=frozenset({"x"}),
        delay_s=latency_s / 2,
        fetch_delay_s=latency_s / 2,
        release_limit_s=60,
    )


@dataclass
class Row:
    label: str
    connectors: int
    per_agency_ms: str
    sum_ms: float
    wall_ms: float
    deadline_s: float
    states: str
    detail: str = ""


def _request(connectors: Sequence[ConnectorLike], chi: str) -> GatherRequest:
    return GatherRequest(PersonQuery(chi=chi), {c.agency: frozenset(c.categories) for c in connectors})


def _measure(
    connectors: Sequence[ConnectorLike], request: GatherRequest, deadline_s: float, runs: int
) -> tuple[float, list[GatheredSource]]:
    """Median gather wall time (ms) over `runs`, and the last run's results."""
    times: list[float] = []
    results: list[GatheredSource] = []
    for _ in range(runs):
        started = time.perf_counter()
        results = gather(connectors, request, deadline_s=deadline_s)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), results


def _row(label: str, results: Sequence[GatheredSource], wall_ms: float, deadline_s: float) -> Row:
    """A table row from one gather's results: per-agency elapsed times (from the statuses) and their sum."""
    elapsed = [r.status.elapsed_ms for r in results]
    hung = any(r.status.state == SourceState.TIMED_OUT for r in results)
    spread = f"{min(elapsed)}–{max(elapsed)}" if elapsed else "-"
    detail = ", ".join(f"{r.agency} {r.status.elapsed_ms} ms {r.status.state.value}" for r in results)
    return Row(
        label,
        len(results),
        spread,
        float("inf") if hung else sum(elapsed),
        wall_ms,
        deadline_s,
        _states(results),
        detail,
    )


def _states(results: Sequence[GatheredSource]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        state = result.status.state.value
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in counts.items())


def bench_fakes(sizes: Sequence[int], latency_s: float, deadline_s: float, runs: int) -> list[Row]:
    rows = []
    for size in sizes:
        connectors = [sleepy_connector(f"agency_{i}", latency_s) for i in range(size)]
        request = _request(connectors, CHI)
        wall, results = _measure(connectors, request, 3.0, runs)
        rows.append(_row("fake", results, wall, 3.0))
    release = threading.Event()
    try:
        connectors = [sleepy_connector(f"agency_{i}", latency_s) for i in range(5)]
        connectors[0].release = release
        request = _request(connectors, CHI)
        started = time.perf_counter()
        results = gather(connectors, request, deadline_s=deadline_s)
        wall = (time.perf_counter() - started) * 1000
        rows.append(_row("fake, 1 hung", results, wall, deadline_s))
    finally:
        release.set()
    return rows


def bench_sandbox(latency_ms: int, deadline_s: float, runs: int) -> list[Row]:
    """Start the sandbox on free ports with a fresh small cohort, add a latency fault, gather one child."""
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as data_dir:
        return _bench_sandbox_in(Path(data_dir), latency_ms, deadline_s, runs)


def _bench_sandbox_in(data_dir: Path, latency_ms: int, deadline_s: float, runs: int) -> list[Row]:
    from connectors.registry import load_registry
    from sandbox.cohort import generate, write
    from sandbox.launcher import free_port, start_all

    cohort = generate(size=40)
    write(cohort, data_dir)
    child = next(c for c in cohort.children if set(AGENCIES) <= set(c["ids"]))
    with start_all(data_dir, ports={agency: free_port() for agency in AGENCIES}) as sandbox:
        env = {
            "SANDBOX_DATA_DIR": str(data_dir),
            "SANDBOX_HEALTH_TOKEN": "sandbox-health-token",
            "SANDBOX_EDUCATION_API_KEY": "sandbox-education-key",
            "SANDBOX_POLICE_CLIENT_ID": "portal",
            "SANDBOX_POLICE_CLIENT_SECRET": "sandbox-police-secret",
            "SANDBOX_SCRA_API_KEY": "sandbox-scra-key",
            "SANDBOX_HEALTH_URL": sandbox.urls["health"],
            "SANDBOX_EDUCATION_URL": sandbox.urls["education"],
            "SANDBOX_POLICE_URL": sandbox.urls["police"],
            "SANDBOX_POLICE_TOKEN_URL": sandbox.urls["police"].removesuffix("/api") + "/oauth/token",
            "SANDBOX_SCRA_URL": sandbox.urls["scra"],
        }
        registry = load_registry(REPO_ROOT / "config" / "connectors.toml", env)
        try:
            connectors = list(registry.connectors)
            request = GatherRequest(
                PersonQuery(chi=child["chi"]), {c.agency: all_categories(c.domain) for c in connectors}
            )
            _measure(connectors, request, deadline_s, 1)  # warm up: connections, police token
            baseline, results = _measure(connectors, request, deadline_s, runs)
            rows = [_row("sandbox, no fault", results, baseline, deadline_s)]
            for agency in AGENCIES:
                _set_fault(sandbox.admin_urls[agency], {"mode": "latency", "latency_ms": latency_ms})
            wall, results = _measure(connectors, request, deadline_s, runs)
            rows.append(_row(f"sandbox, +{latency_ms} ms per request", results, wall, deadline_s))
            for agency in AGENCIES:
                _set_fault(sandbox.admin_urls[agency], None)
            _set_fault(sandbox.admin_urls["police"], {"mode": "hang"})
            started = time.perf_counter()
            results = gather(connectors, request, deadline_s=deadline_s)
            rows.append(_row("sandbox, police hung", results, (time.perf_counter() - started) * 1000, deadline_s))
            return rows
        finally:
            registry.close()


def _set_fault(admin_url: str, fault: dict[str, object] | None) -> None:
    """Set (or with None, clear) a sandbox system's fault through its admin API."""
    import requests

    url, headers = f"{admin_url}/_sandbox/faults", {"X-Sandbox-Admin": "sandbox-admin-key"}
    response = (
        requests.post(url, headers=headers, json=fault, timeout=5)
        if fault
        else requests.delete(url, headers=headers, timeout=5)
    )
    response.raise_for_status()


def print_table(rows: Sequence[Row]) -> None:
    header = (
        "run",
        "connectors",
        "per-agency ms",
        "sum of agencies ms",
        "gather wall ms (median)",
        "deadline s",
        "states",
    )
    lines = [header] + [
        (
            r.label,
            str(r.connectors),
            r.per_agency_ms,
            "hung" if r.sum_ms == float("inf") else f"{r.sum_ms:.0f}",
            f"{r.wall_ms:.0f}",
            f"{r.deadline_s:g}",
            r.states,
        )
        for r in rows
    ]
    print_columns(lines, right=False)
    for row in rows:
        if row.label.startswith("sandbox"):
            print(f"{row.label}: {row.detail}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--deadline", type=float, default=1.0, help="deadline for the hung-agency rows (seconds)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1,5,10,20")
    parser.add_argument("--sandbox", action="store_true", help="also measure the real sandbox systems")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = bench_fakes(sizes, args.latency_ms / 1000, args.deadline, args.runs)
    if args.sandbox:
        rows += bench_sandbox(args.latency_ms, max(args.deadline, 3.0), args.runs)
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
