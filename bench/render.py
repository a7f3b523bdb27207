"""Benchmark: what it costs to open and page the 5,000-event child (not a test).

    .venv/bin/python -m bench.render

Runs the real portal in-process against the real sandbox agencies (separate
processes on loopback), signed in as the lead professional, and times each step
of one view of the cohort child tagged "large": the whole request for the first
view, the htmx chronology fragment for later pages and a filter, and the print
layout. Prints a table of medians and 95th percentiles; never prints records.
Then the whole first-view request (agencies, summary, page 1, rendering, the audit entry)
for the large child and the ordinary multi-agency one in interleaved pairs, and the ratio of
each pair (issue 17's measure, as a practitioner waits for it).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bs4 import BeautifulSoup  # noqa: E402

from portal.demo import seed_demo_relationships  # noqa: E402
from tests.conftest import build_app, dispose_engines, extract_csrf, make_settings  # noqa: E402
from tests.support.accounts import TEST_PASSWORD  # noqa: E402
from tests.support.sandbox import environment, running_sandbox  # noqa: E402

RUNS = 7
PAIRS = 21


def _timed(call, runs: int = RUNS) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))], result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, running_sandbox(Path(folder) / "sandbox") as sandbox:
        app = build_app(make_settings(Path(folder)))
        with environment(sandbox.env):
            with app.app_context():
                seed_demo_relationships(sandbox.cohort, Path(folder), today=date.today())
            client = app.test_client()
            token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
            client.post("/sign-in", data={"username": "lead.professional", "password": TEST_PASSWORD,
                                          "csrf_token": token})
            link = _open(client, sandbox.child("large")["chi"])
            token = extract_csrf(client.get("/children/search").get_data(as_text=True))
            htmx = {"HX-Request": "true"}
            rows = [
                ("page shell (no agency calls)", lambda: client.get(link)),
                ("first view: gather + KIS + page 1", lambda: client.get(link + "/content", headers=htmx)),
                ("chronology page 2 (htmx fragment)",
                 lambda: client.get(link + "/chronology", query_string={"page": 2}, headers=htmx)),
                ("chronology page 40, all events",
                 lambda: client.get(link + "/chronology", query_string={"page": 40, "show": "all"}, headers=htmx)),
                ("filter: education, words 'absence'",  # POSTed, as the form is: no words in the address
                 lambda: client.post(link + "/chronology", data={"agency": "education", "q": "absence",
                                                                 "csrf_token": token}, headers=htmx)),
                ("print layout (every significant event)", lambda: client.get(link + "/print")),
            ]
            first = client.get(link + "/content", headers=htmx).get_data(as_text=True)
            soup = BeautifulSoup(first, "html.parser")
            count = soup.select_one("[data-testid=chronology-count]").get_text(" ", strip=True)
            print(f"\nLarge child: {count}\n")
            print(f"{'step':<42} {'median ms':>10} {'p95 ms':>8} {'KiB':>7}")
            print("-" * 70)
            for label, call in rows:
                median, p95, response = _timed(call)
                size = len(response.get_data()) / 1024  # type: ignore[attr-defined]
                print(f"{label:<42} {median:>10.0f} {p95:>8.0f} {size:>7.0f}")
            _first_views_paired(client, link, _open(client, sandbox.child("multi_agency")["chi"]))
        dispose_engines()


def _open(client, chi: str) -> str:  # type: ignore[no-untyped-def]
    """Search by CHI with a purpose and follow "Open record": the record's address (an opaque reference)."""
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    results = client.post("/children/search", data={"chi": chi, "purpose": "child_protection", "csrf_token": token},
                          follow_redirects=True).get_data(as_text=True)
    return str(next(a["href"] for a in BeautifulSoup(results, "html.parser").find_all("a")
                    if "Open record" in a.get_text()))


def _first_views_paired(client, large: str, ordinary: str) -> None:  # type: ignore[no-untyped-def]
    """The whole first-view request, ordinary then large, PAIRS times: medians and the ratio of each pair."""
    htmx = {"HX-Request": "true"}
    for link in (ordinary, large):  # warm both once
        assert client.get(link + "/content", headers=htmx).status_code == 200
    times: dict[str, list[float]] = {"ordinary": [], "large": []}
    for _ in range(PAIRS):
        for label, link in (("ordinary", ordinary), ("large", large)):
            started = time.perf_counter()
            response = client.get(link + "/content", headers=htmx)
            times[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    ratios = [big / small for small, big in zip(times["ordinary"], times["large"], strict=True)]
    low, _, high = statistics.quantiles(ratios, n=4)
    print(f"\nfirst view, whole request (agencies, summary, page 1, rendering, audit entry), {PAIRS} interleaved "
          f"pairs: ordinary {statistics.median(times['ordinary']):.0f} ms, large "
          f"{statistics.median(times['large']):.0f} ms; large / ordinary median {statistics.median(ratios):.2f}x "
          f"(quartiles {low:.2f}-{high:.2f}x)")


if __name__ == "__main__":
    main()
