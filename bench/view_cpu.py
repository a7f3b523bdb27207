"""CPU per content view, per process, against the real production stack. (Not a test.)

    .venv/bin/python -m bench.view_cpu                 # 100 sequential content views
    .venv/bin/python -m bench.view_cpu --views 300 --children 5

Starts the production stack of `bench.load` (five sandbox agencies, PostgreSQL, Redis, gunicorn
with one gthread worker), signs one practitioner in, opens a few records, then re-reads their
content N times, one after another. Prints the CPU each process spent per view (user+system, from
/proc): the portal worker, each sandbox agency, and the PostgreSQL backends serving the portal's
database. CPU is far steadier than wall time on a busy machine (though a busier machine still
costs some more per view, up to ±15%): compare runs made in turn, not at different times.
With `--profile DIR`, py-spy (if installed) samples the portal and the agencies during the views
and writes collapsed stacks to DIR.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests

from bench.load_measure import postgres_pids, process_cpu, sandbox_pids
from bench.load_stack import production_stack

# As in bench.load_journeys, which cannot be imported here (locust patches the standard library).
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token"[^>]*content="([^"]+)"')
OPEN_RECORD = re.compile(r'<a[^>]+href="(/children/[^"/?]+)"[^>]*>\s*Open record')
PURPOSE = "child_protection"


def _cpu(pid: int) -> float:
    return process_cpu(pid) or 0.0


def _csrf(page: str) -> str:
    match = CSRF.search(page)
    return (match.group(1) or match.group(2)) if match else ""


def _sign_in_and_open(base: str, username: str, password: str, children: list[tuple[str, str]],
                      count: int) -> tuple[requests.Session, list[tuple[str, str]]]:
    session = requests.Session()
    page = session.get(f"{base}/sign-in").text
    reply = session.post(f"{base}/sign-in", data={"username": username, "password": password,
                                                  "csrf_token": _csrf(page)}, allow_redirects=False)
    if reply.status_code != 302:
        raise SystemExit(f"sign-in failed: {reply.status_code}")
    records = []
    for chi, name in children[:count]:
        form = session.get(f"{base}/children/search").text
        results = session.post(f"{base}/children/search", data={"chi": chi, "purpose": PURPOSE,
                                                                 "csrf_token": _csrf(form)}).text
        link = OPEN_RECORD.search(results)
        if link is None:
            raise SystemExit(f"search found no record link for child {len(records) + 1}")
        session.get(f"{base}{link.group(1)}").raise_for_status()
        records.append((link.group(1) + "/content", name))
    return session, records


def _start_profiles(pids: dict[str, int], folder: Path, seconds: int) -> list[subprocess.Popen]:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        print("py-spy not installed: no profiles")
        return []
    folder.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen([py_spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--gil",
                              "--duration", str(seconds), "--output", str(folder / f"{name}.txt"), "--nonblocking"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in pids.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--views", type=int, default=100)
    parser.add_argument("--children", type=int, default=3, help="records re-read in turn")
    # The cohort's first child is a stress case (over 2,000 health encounters, one view in ~100 under
    # bench.load); from 1, the records are typical ones. --start 0 measures it.
    parser.add_argument("--start", type=int, default=1, help="index of the first child in the cohort's list")
    parser.add_argument("--list-requests", action="store_true", help="which paths each agency was asked per view")
    parser.add_argument("--profile", type=Path, default=None, help="folder for py-spy collapsed stacks")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="view-cpu-") as work, \
            production_stack(Path(work), workers=1, practitioners=1) as stack:
        base = stack.base_url
        session, records = _sign_in_and_open(base, stack.usernames[0], stack.password, stack.children[args.start:],
                                             args.children)
        for path, _ in records:  # warm caches and pools before measuring
            session.get(f"{base}{path}").raise_for_status()
        _, workers = stack.measured_pids()
        pids = {"portal": workers[0], **sandbox_pids()}
        pg = postgres_pids(stack.audit_url)
        profiles = _start_profiles(pids, args.profile, 600) if args.profile else []
        for agency in stack.agencies:
            stack.requests_seen(agency)  # type: ignore[operator]  # forget the warm-up's requests
        before = {name: _cpu(pid) for name, pid in pids.items()}
        pg_before = sum(_cpu(pid) for pid in pg)
        started = time.monotonic()
        for n in range(args.views):
            path, name = records[n % len(records)]
            reply = session.get(f"{base}{path}")
            if reply.status_code != 200 or name not in reply.text:
                raise SystemExit(f"view {n} answered {reply.status_code} without the record")
        wall = time.monotonic() - started
        spent = {name: (_cpu(pid) - before[name]) * 1000 / args.views for name, pid in pids.items()}
        spent["postgres"] = (sum(_cpu(pid) for pid in pg) - pg_before) * 1000 / args.views
        seen = {agency: stack.requests_seen(agency) for agency in stack.agencies}  # type: ignore[operator]
        for profile in profiles:
            profile.send_signal(signal.SIGINT)
        for profile in profiles:
            profile.wait(timeout=30)
    print(f"{args.views} sequential content views over {len(records)} records "
          f"(wall {wall / args.views * 1000:.0f} ms/view, meaningless on a shared machine)")
    print(f"{'process':<12} {'CPU ms/view':>12} {'requests/view':>14}")
    for name, ms in spent.items():
        # HTTP requests: a read inside a FHIR batch is logged too (`in_batch`) but is not a request of its own.
        count = f"{sum(1 for e in seen[name] if not e.get('in_batch')) / args.views:.1f}" if name in seen else ""
        print(f"{name:<12} {ms:>12.1f} {count:>14}")
    if args.list_requests:
        for agency, entries in seen.items():
            paths = Counter(entry["path"] for entry in entries)
            print(agency, ", ".join(f"{path} x{n / args.views:.1f}" for path, n in paths.most_common()))
    print(f"{'total':<12} {sum(spent.values()):>12.1f}")
    if args.profile:
        print(f"profiles (collapsed stacks): {args.profile}")


if __name__ == "__main__":
    main()
