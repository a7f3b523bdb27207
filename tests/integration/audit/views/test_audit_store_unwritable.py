"""Issue 7: when the audit store stops accepting writes mid-run, views turn into the "service unavailable"
page with nothing about the child in it; when writes are allowed again, views work again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from portal.extensions import audit_db
from tests.integration.audit.views.conftest import prepare_portal_database
from tests.integration.audit.views.flask_views import open_child, search_by_chi, sign_in
from tests.integration.audit.views.record_content import fetched_event_text, identifying_strings
from tests.integration.audit.views.unwritable_store import PostgresAuditGrant, SqliteFileLock, audit_login_role
from tests.support.postgres import fresh_database
from tests.support.sandbox import RunningSandbox

UNAVAILABLE = "service is unavailable"


def _assert_fail_closed(client, path: str, child: dict, seen: set[str]) -> None:  # type: ignore[no-untyped-def]
    forbidden = seen | identifying_strings(child) | {child["chi"]}
    attempts = (client.get(path + "/content"),
                client.get(path + "/chronology?show=all", headers={"HX-Request": "true"}),
                client.get(path + "/print"), search_by_chi(client, child["chi"]))
    for response in attempts:
        body = response.get_data(as_text=True)
        assert response.status_code == 503
        assert UNAVAILABLE in body
        leaked = sorted(text for text in forbidden if text in body)
        assert not leaked, f"the unavailable page carried {len(leaked)} pieces of the child's record"


def _unwritable_mid_run(app: Flask, child: dict, lever, after_revoke: Callable[[], None]) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client, "lead.professional")
    name = f"{child['forename']} {child['surname']}"
    path, first = open_child(client, child["chi"])
    assert first.status_code == 200 and name in first.get_data(as_text=True)
    seen = fetched_event_text(first.get_data(as_text=True))
    assert seen, "the first view showed no chronology rows, so the test could not check for them"

    lever.revoke()
    try:
        after_revoke()
        _assert_fail_closed(client, path, child, seen)
    finally:
        lever.restore()
    again = client.get(path + "/content")
    assert again.status_code == 200 and name in again.get_data(as_text=True)


@pytest.mark.postgres
def test_postgres_revoked_insert_turns_views_into_unavailable_page(
        sandbox: RunningSandbox, wired_app: Callable[..., Flask], tmp_path: Path) -> None:
    child = sandbox.child("multi_agency")
    with fresh_database("audit_revoke") as url, audit_login_role(url) as audit_url:
        prepare_portal_database(tmp_path, sandbox, DATABASE_URL=url)
        app = wired_app(tmp_path, DATABASE_URL=url, AUDIT_DATABASE_URL=audit_url)
        # Nothing to reopen: PostgreSQL checks the privilege on every INSERT.
        _unwritable_mid_run(app, child, PostgresAuditGrant(url), lambda: None)
        audit_db.engine.dispose()  # let the database be dropped


def test_sqlite_read_only_audit_file_turns_views_into_unavailable_page(
        sandbox: RunningSandbox, wired_app: Callable[..., Flask], tmp_path: Path) -> None:
    child = sandbox.child("multi_agency")
    audit_file = tmp_path / "audit.db"
    prepare_portal_database(tmp_path, sandbox, AUDIT_DATABASE_URL=f"sqlite:///{audit_file}")
    app = wired_app(tmp_path, AUDIT_DATABASE_URL=f"sqlite:///{audit_file}")
    # Open connections keep the write access they were opened with; a restart or reconnect meets the new mode.
    _unwritable_mid_run(app, child, SqliteFileLock(audit_file), lambda: audit_db.engine.dispose())
