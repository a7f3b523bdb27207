"""Issue 4: after a run of views (several children, filters, chronology pages, print, a search by name),
nothing the agencies returned is left anywhere the portal writes: its databases (the audit trail included),
its instance folder, its log (at DEBUG), the session cookie, or the working tree.

The audit trail may hold the CHI (it is the subject's identifier by design); never a name, a date of birth,
an event title or a summary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from portal.config import PROJECT_ROOT
from portal.demo import DEMO_ACCOUNTS
from tests.conftest import dispose_engines
from tests.integration.audit.views.conftest import prepare_portal_database
from tests.integration.audit.views.flask_views import open_child, search_by_name, sign_in
from tests.integration.audit.views.leak_scan import (
    files_under,
    is_database_file,
    scan_files,
    working_tree_files_written_since,
)
from tests.integration.audit.views.record_content import fetched_event_text, identifying_strings
from tests.integration.children.conftest import filter_query
from tests.support.sandbox import RunningSandbox

ACCOUNT_NAMES = " ".join(display_name for _, display_name, *_ in DEMO_ACCOUNTS)


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Everything logged anywhere in the process, down to DEBUG, into one file for the length of the test."""
    path = tmp_path / "logs" / "portal.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    saved_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
        handler.close()


def _grown_up(child: dict) -> bool:
    """Old enough that the birth date cannot coincide with the dates the portal itself stores (today ± a year)."""
    return (date.today() - date.fromisoformat(child["birth_date"])).days > 3 * 365


def _children(sandbox: RunningSandbox) -> list[dict]:
    """Three distinct children with a CHI, the first two from the multi-agency stories."""
    usable = [c for c in sandbox.cohort if c.get("chi") and _grown_up(c) and "twins" not in c["tags"]]
    stories = [c for c in usable if "multi_agency" in c["tags"]]
    others = [c for c in usable if c not in stories[:2]]
    return [*stories[:2], others[0]]


def _record_link_for(results_html: str, child: dict) -> str:
    soup = BeautifulSoup(results_html, "html.parser")
    name = f"{child['forename']} {child['surname']}"
    card = next(c for c in soup.select("[data-testid=result]") if c.select_one("h2").get_text(strip=True) == name)
    return str(next(a for a in card.find_all("a") if "Open record" in a.get_text())["href"])


def _run_views(client: FlaskClient, children: list[dict]) -> list[str]:
    """A realistic session; returns every page that carried a child's record."""
    first, second, third = children
    pages = []
    path, content = open_child(client, first["chi"])
    pages.append(content)
    words = filter_query(client, f"{path}/content", {"q": "visit"})  # POSTed: the address holds a reference
    for query in ("agency=health&agency=social_work&show=all", "show=all&order=oldest", urlencode(words, True),
                  "page=2"):
        pages.append(client.get(f"{path}/chronology?{query}", headers={"HX-Request": "true"}))
        pages.append(client.get(f"{path}/content?{query}"))
    pages.append(client.get(f"{path}/print"))
    by_name = client.get(_record_link_for(search_by_name(client, second).get_data(as_text=True), second) + "/content")
    pages.append(by_name)
    pages.append(open_child(client, third["chi"])[1])
    assert all(page.status_code == 200 for page in pages), [page.status_code for page in pages]
    return [page.get_data(as_text=True) for page in pages]


def test_views_leave_no_record_content_in_files_logs_or_session(
        sandbox: RunningSandbox, wired_app: Callable[..., Flask], tmp_path: Path, debug_log: Path) -> None:
    started = time.time() - 1  # file times have coarse resolution on some filesystems
    prepare_portal_database(tmp_path, sandbox)
    app = wired_app(tmp_path)
    app.logger.setLevel(logging.DEBUG)
    children = _children(sandbox)
    client = app.test_client()
    sign_in(client, "lead.professional")

    pages = _run_views(client, children)

    content = set().union(*(fetched_event_text(page) for page in pages))
    assert len(content) >= 10, "too little record content was shown for the search to mean anything"
    identity = set().union(*(identifying_strings(child) for child in children))
    identity |= {c["surname"] for c in children if len(c["surname"]) >= 5 and c["surname"] not in ACCOUNT_NAMES}
    for child in children:  # the test itself must have been shown what it now looks for
        assert any(f"{child['forename']} {child['surname']}" in page for page in pages)
    chis = {child["chi"] for child in children}

    session_cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert session_cookie is not None
    # The cookie is a random id; the session's data lives server-side (its files are also scanned below).
    interface = app.session_interface
    session = interface._retrieve_session_data(interface._get_store_id(session_cookie.value))  # type: ignore[attr-defined]
    assert session and session.get("_user_id"), "the session was not found in its store, so the check would be empty"
    stored = repr(session) + session_cookie.value
    assert not [text for text in content | identity | chis if text in stored], "the session holds record data"

    dispose_engines()  # close the databases so every write is in the files
    assert debug_log.stat().st_size > 0, "nothing was logged, so the log check would be empty"
    everywhere = {"record content": content, "name or date of birth": identity}
    portal_files = files_under(tmp_path)
    assert any(path.name == "portal.db" for path in portal_files)
    leaks = scan_files(portal_files, everywhere)
    leaks += scan_files([debug_log], {"CHI": chis})
    tree = working_tree_files_written_since(PROJECT_ROOT, started, exclude=[sandbox.data_dir])
    databases = [path for path in tree if is_database_file(path)]  # e.g. a demo portal's own audit trail
    leaks += scan_files(databases, everywhere)
    leaks += scan_files([path for path in tree if path not in databases], {**everywhere, "CHI": chis})
    assert not leaks, "record data found in: " + "; ".join(f"{leak.path} ({leak.what})" for leak in leaks)
