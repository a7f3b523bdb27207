"""The production shape: gunicorn with several worker processes on PostgreSQL serves signed-in practitioners
whichever worker takes each request, audits every record it sends once, and sums its metrics over workers."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, func, select

from portal.audit import verify_chain
from portal.audit.models import audit_entries
from tests.integration.audit.views.conftest import prepare_portal_database
from tests.integration.audit.views.portal_client import PortalBrowser
from tests.integration.concurrency.gunicorn_portal import gunicorn_portal
from tests.support.postgres import fresh_database
from tests.support.sandbox import RunningSandbox

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

WORKERS = 3
SESSIONS = 6
VIEWS_PER_SESSION = 4
METRICS_TOKEN = "gunicorn-test-metrics-token-" + "g" * 12


def _session(base_url: str, child: dict) -> list[tuple[int, str]]:
    browser = PortalBrowser(base_url)
    browser.http.headers["Connection"] = "close"  # each request may land on any worker
    browser.sign_in("lead.professional")
    link = browser.find_record_link(child["chi"])
    return [(r.status, r.body) for r in (browser.view_content(link, child["chi"]) for _ in range(VIEWS_PER_SESSION))]


def test_several_gunicorn_workers_serve_every_session_and_audit_each_view_once(
        sandbox: RunningSandbox, tmp_path: Path) -> None:
    children = [c for c in sandbox.children("multi_agency") if c.get("chi")][:SESSIONS]
    children = (children * SESSIONS)[:SESSIONS]
    with fresh_database("gunicorn") as url:
        env = prepare_portal_database(tmp_path, sandbox, DATABASE_URL=url, FEDERATION_DEADLINE_S=10.0)
        env["METRICS_TOKEN"] = METRICS_TOKEN
        log = tmp_path / "gunicorn.log"
        with gunicorn_portal(env, log, workers=WORKERS) as base_url:
            with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
                answers = list(pool.map(lambda child: (child, _session(base_url, child)), children))
            exposition = requests.get(f"{base_url}/metrics", timeout=30,
                                      headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                viewed = dict(connection.execute(
                    select(audit_entries.c.subject_chi, func.count())
                    .where(audit_entries.c.event_type == "view_child")
                    .group_by(audit_entries.c.subject_chi)).all())
            chain = verify_chain(engine)
        finally:
            engine.dispose()

    shown: Counter[str] = Counter()
    for child, views in answers:
        for status, body in views:
            assert status == 200 and f"{child['forename']} {child['surname']}" in body
            shown[child["chi"]] += 1
    assert Counter(viewed) == shown
    assert chain.ok, chain.problem

    lines = log.read_text().splitlines()
    assert sum("Booting worker" in line for line in lines) == WORKERS
    served_by = {json.loads(line)["process"] for line in lines
                 if line.startswith("{") and '"endpoint": "/children/<token>/content"' in line}
    assert len(served_by) >= 2, "the views were not shared between workers"
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(exposition) for s in family.samples}
    content = ("portal_request_seconds_count",
               (("endpoint", "/children/<token>/content"), ("method", "GET"), ("status", "200")))
    # Whichever worker answered /metrics, it reports every worker's views.
    assert samples[content] == SESSIONS * VIEWS_PER_SESSION
