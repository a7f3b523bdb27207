"""Issue 7: under concurrent views from several portal processes on one PostgreSQL database, every response
that carried a child's record has exactly one committed entry, and the chain is gapless and verifies."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from portal.audit import verify_chain
from portal.audit.models import audit_entries
from tests.integration.audit.views.conftest import prepare_portal_database
from tests.integration.audit.views.portal_client import PortalBrowser, ViewResponse
from tests.integration.audit.views.portal_processes import portal_processes
from tests.support.postgres import fresh_database
from tests.support.sandbox import RunningSandbox

pytestmark = pytest.mark.postgres

PROCESSES = 3
WORKERS_PER_PROCESS = 3
VIEWS_PER_WORKER = 6
USER = "lead.professional"  # the lead professional's team works with every demo child


def _children_for(worker: int, cohort: list[dict]) -> list[dict]:
    """Different children per worker, wrapping round the cohort (so several workers also share some)."""
    with_chi = [child for child in cohort if child.get("chi")]
    start = worker * VIEWS_PER_WORKER
    return [with_chi[(start + n) % len(with_chi)] for n in range(VIEWS_PER_WORKER)]


def _run_worker(base_url: str, children: list[dict]) -> list[ViewResponse]:
    browser = PortalBrowser(base_url)
    browser.sign_in(USER)
    responses = []
    for child in children:
        link = browser.find_record_link(child["chi"])
        responses.append(browser.view_content(link, child["chi"]))
    return responses


def _fire_views(urls: list[str], cohort: list[dict]) -> list[ViewResponse]:
    jobs = [(urls[index % len(urls)], _children_for(index, cohort)) for index in range(len(urls) * WORKERS_PER_PROCESS)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(_run_worker, url, children) for url, children in jobs]
        return [response for future in futures for response in future.result(timeout=300)]


def test_concurrent_views_from_three_processes_each_have_exactly_one_entry(
        sandbox: RunningSandbox, tmp_path: Path) -> None:
    names = {child["chi"]: f"{child['forename']} {child['surname']}" for child in sandbox.cohort if child.get("chi")}
    with fresh_database("audit_load") as url:
        env = prepare_portal_database(tmp_path, sandbox, DATABASE_URL=url, FEDERATION_DEADLINE_S=10.0)
        with portal_processes(PROCESSES, env, tmp_path) as urls:
            responses = _fire_views(urls, sandbox.cohort)

        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                committed = Counter(dict(connection.execute(
                    select(audit_entries.c.subject_chi, func.count())
                    .where(audit_entries.c.event_type == "view_child", audit_entries.c.user_id == USER)
                    .group_by(audit_entries.c.subject_chi)).all()))
                sequences = connection.execute(select(audit_entries.c.sequence)
                                               .order_by(audit_entries.c.sequence)).scalars().all()
            result = verify_chain(engine)
        finally:
            engine.dispose()

    shown = Counter(response.chi for response in responses if response.shows(names[response.chi]))
    expected_views = PROCESSES * WORKERS_PER_PROCESS * VIEWS_PER_WORKER
    assert len(responses) == expected_views
    # A healthy store under load refuses nothing: every view carried the child's record...
    assert sum(shown.values()) == expected_views, Counter(r.status for r in responses)
    # ...and each of those has exactly one committed view entry for that child, no more, no fewer.
    assert committed == shown
    assert sequences == list(range(1, len(sequences) + 1)), "the chain has a gap or a duplicate"
    assert result.ok, result.problem
    assert result.entries_checked == len(sequences)
    for log in tmp_path.glob("portal-*.log"):  # no request failed quietly behind a page that looked fine
        text = log.read_text(errors="replace")
        assert "unhandled" not in text and "audit trail unavailable" not in text, f"{log.name} reports errors"
