"""A full portal answers "busy, try again" (503 + Retry-After), audited as a refusal, and shows nothing of the child."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from portal.audit.queries import search_entries
from portal.extensions import audit_db
from portal.record.pool import Load
from portal.sources import executor
from tests.integration.children.conftest import open_child


@pytest.fixture
def full_pool(child_app: Flask) -> Iterator[threading.Event]:
    """Every place in the worker's fan-out pool taken by calls that wait until the test is done."""
    release = threading.Event()
    yield release
    release.set()


def _fill(app: Flask, release: threading.Event) -> None:
    with app.app_context():
        pool = executor()
        pool.submit_all([lambda: release.wait(30)] * pool.capacity)


def test_a_view_when_the_pool_is_full_gets_the_busy_page_and_a_refusal_entry(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, full_pool) -> None:
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    content_url, first = open_child(client, child["chi"])
    name = f"{child['forename']} {child['surname']}"
    assert name in first

    _fill(child_app, full_pool)
    response = client.get(content_url)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The portal is busy" in html and "Try again in 5 seconds" in html
    assert name not in html and child["chi"] not in html
    assert response.headers["Cache-Control"] == "no-store"

    with child_app.app_context():
        refused = search_entries(audit_db, event_type="refused", child=child["chi"])
        viewed = search_entries(audit_db, event_type="view_child", child=child["chi"])
    assert len(refused) == 1 and len(viewed) == 1  # the first view, then the refusal: nothing more
    assert refused[0].details and refused[0].details["busy"] is True
    assert refused[0].user_id == "lead.professional" and refused[0].purpose_code == "child_protection"

    full_pool.set()  # once the pool drains, the same link shows the record again
    with child_app.app_context():
        pool = executor()
    deadline = time.monotonic() + 10
    while (pool.load() != Load(0, 0) or pool.admitted()) and time.monotonic() < deadline:
        time.sleep(0.02)
    again = client.get(content_url)
    assert again.status_code == 200 and name in again.get_data(as_text=True)


def test_a_search_when_the_pool_is_full_gets_the_busy_page(child_app, client, sign_in, sandbox, full_pool) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.children.conftest import search_chi

    sign_in("lead.professional")
    _fill(child_app, full_pool)
    response = search_chi(client, sandbox.child("multi_agency")["chi"])
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "The portal is busy" in response.get_data(as_text=True)


def test_the_record_stream_when_the_pool_is_full_says_busy_and_records_a_refusal(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, full_pool) -> None:
    from bs4 import BeautifulSoup

    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    content_url, _ = open_child(client, child["chi"])
    shell = BeautifulSoup(client.get(content_url.removesuffix("/content")).get_data(as_text=True), "html.parser")
    _fill(child_app, full_pool)
    response = client.get(shell.select_one("#child-record")["sse-connect"])
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/event-stream" and response.headers["Retry-After"] == "5"
    assert "event: record" in body and "The portal is busy" in body and "event: done" in body
    assert child["surname"] not in body
    with child_app.app_context():
        refused = search_entries(audit_db, event_type="refused", child=child["chi"])
    assert len(refused) == 1 and refused[0].details and refused[0].details["busy"] is True
