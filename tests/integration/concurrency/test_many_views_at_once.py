"""Issue 10: many practitioners opening records at the same moment must not bring the portal down.

The real portal runs as its own process (waitress, as `make run` serves it) on SQLite, in front of
the real sandbox agencies (the social work source is a SQLite database read through the SQL
connector). Sixteen signed-in sessions of three practitioners open records at once, for a few
rounds. Every answer must be a proper page: the record (200) or the deliberate "busy" page (503,
audited as a refusal). The process must still be alive afterwards, and each record that was sent
must have exactly one `view_child` entry in the audit trail. This is not a timed test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select

from e2e.servers import PROJECT_ROOT, stop, wait_until_up
from portal.audit.models import audit_entries
from sandbox.launcher import free_port
from tests.integration.audit.views.conftest import prepare_portal_database
from tests.integration.audit.views.portal_client import PortalBrowser, ViewResponse
from tests.support.sandbox import RunningSandbox

SESSIONS = 16
ROUNDS = 3
SERVER_THREADS = 8  # what `make run` gives waitress
BUSY_TEXT = "The portal is busy"


def _who_sees_what(sandbox: RunningSandbox) -> list[tuple[str, dict]]:
    """(username, child) per session: three practitioners, each on children they hold a relationship with."""
    story = [c for c in sandbox.children("multi_agency") if c.get("chi")]
    health = [c for c in sandbox.cohort if c.get("chi") and {"restricted", "very_restricted"} & set(c["tags"])]
    assert len(story) >= 2 and health, "the demo cohort lost its multi-agency or restricted children"
    plans = []
    for index in range(SESSIONS):
        if index % 4 == 2:
            plans.append(("police.concern", story[index % len(story)]))
        elif index % 4 == 3:
            plans.append(("health.visitor", health[index % len(health)]))
        else:
            plans.append(("lead.professional", story[index % len(story)]))
    return plans


@pytest.fixture
def portal(sandbox: RunningSandbox, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = prepare_portal_database(tmp_path, sandbox, FEDERATION_DEADLINE_S=10.0)
    port = free_port()
    log_path = tmp_path / "portal.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", "-m", "waitress", "--listen", f"127.0.0.1:{port}",
             "--threads", str(SERVER_THREADS), "--call", "portal:create_app"],
            cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process, timeout_s=60)
        yield f"http://127.0.0.1:{port}", process, env, log_path
    finally:
        stop(process)


def _session(base_url: str, username: str, child: dict, start: threading.Barrier) -> list[ViewResponse]:
    browser = PortalBrowser(base_url)
    browser.sign_in(username)
    link = browser.find_record_link(child["chi"])
    start.wait(timeout=120)  # every session opens its first record at the same moment
    answers = []
    for _ in range(ROUNDS):
        try:
            answers.append(browser.view_content(link, child["chi"]))
        except requests.ConnectionError:
            answers.append(ViewResponse(child["chi"], 0, "no answer: the connection failed"))
    return answers


def test_sixteen_sessions_viewing_at_once_get_proper_pages_and_one_entry_each(portal, sandbox) -> None:  # type: ignore[no-untyped-def]
    base_url, process, env, log_path = portal
    plans = _who_sees_what(sandbox)
    names = {c["chi"]: f"{c['forename']} {c['surname']}" for c in sandbox.cohort if c.get("chi")}
    start = threading.Barrier(SESSIONS)
    results: list[tuple[str, list[ViewResponse]]] = [("", [])] * SESSIONS

    def run(index: int) -> None:
        username, child = plans[index]
        results[index] = (username, _session(base_url, username, child, start))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    log = log_path.read_text(errors="replace")
    assert process.poll() is None, f"the portal process died (exit {process.returncode}):\n{log[-3000:]}"
    assert requests.get(f"{base_url}/healthz", timeout=10).status_code == 200

    shown: Counter[tuple[str, str]] = Counter()
    busy: Counter[tuple[str, str]] = Counter()
    for username, answers in results:
        assert len(answers) == ROUNDS, f"a session of {username} did not finish"
        for answer in answers:
            if answer.shows(names[answer.chi]):
                shown[(username, answer.chi)] += 1
            elif answer.status == 503 and BUSY_TEXT in answer.body:
                busy[(username, answer.chi)] += 1
            else:
                pytest.fail(f"{username} got a {answer.status} that is neither the record nor the busy page")
    assert sum(shown.values()) + sum(busy.values()) == SESSIONS * ROUNDS
    assert shown, "no view carried a record"

    engine = create_engine(env["AUDIT_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            def entries(event_type: str) -> Counter[tuple[str, str]]:
                rows = connection.execute(
                    select(audit_entries.c.user_id, audit_entries.c.subject_chi, func.count())
                    .where(audit_entries.c.event_type == event_type)
                    .group_by(audit_entries.c.user_id, audit_entries.c.subject_chi)).all()
                return Counter({(user, chi): count for user, chi, count in rows})

            viewed = entries("view_child")
            refused = entries("refused")
    finally:
        engine.dispose()
    # Each record sent has exactly one entry; each busy page was recorded as a refusal.
    assert viewed == shown
    assert refused == busy
    assert "unhandled" not in log and "Traceback" not in log
