"""/readyz: ready only when a view could be served (database, a writable audit store, the connectors);
HSTS in production only."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.demo import connector_environment, fresh_sandbox_credentials
from tests.conftest import build_app, dispose_engines, make_settings
from tests.integration.audit.views.unwritable_store import SqliteFileLock
from tests.support.sandbox import environment

AGENCY_URLS = {"health": "http://127.0.0.1:9/fhir", "education": "http://127.0.0.1:9/api/v1",
               "police": "http://127.0.0.1:9/api", "scra": "http://127.0.0.1:9/api/v1"}


@pytest.fixture
def connector_env(tmp_path: Path) -> Iterator[None]:
    """What the connector registry needs to load (nothing needs to answer: readiness does not call agencies)."""
    with environment(connector_environment(AGENCY_URLS, tmp_path / "sandbox", fresh_sandbox_credentials())):
        yield


def _audit_entry_count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM audit_entries")).scalar_one()
    engine.dispose()
    return int(count)


def test_ready_when_everything_answers_and_the_probe_leaves_no_trace(tmp_path: Path, connector_env: None) -> None:
    audit_url = f"sqlite:///{tmp_path / 'audit.db'}"
    app = build_app(make_settings(tmp_path, AUDIT_DATABASE_URL=audit_url))
    before = _audit_entry_count(audit_url)
    for _ in range(3):
        response = app.test_client().get("/readyz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok",
                                       "checks": {"database": True, "audit_store": True, "connectors": True,
                                                  "sessions": True}}
    assert _audit_entry_count(audit_url) == before  # the probe insert was rolled back every time
    with app.app_context():
        from portal.audit import trail

        trail.record("sign_out")  # the chain still takes the next entry after the probes
    assert _audit_entry_count(audit_url) == before + 1
    dispose_engines()


def test_not_ready_while_the_audit_store_is_read_only(tmp_path: Path, connector_env: None) -> None:
    audit_file = tmp_path / "audit.db"
    app = build_app(make_settings(tmp_path, AUDIT_DATABASE_URL=f"sqlite:///{audit_file}"))
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    lock = SqliteFileLock(audit_file)
    lock.revoke()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "unavailable" and body["checks"]["audit_store"] is False
        assert body["checks"]["database"] is True
        assert body["reasons"]["audit_store"] == "the audit store cannot be written, so every view would be refused"
    finally:
        lock.restore()
    assert client.get("/readyz").status_code == 200  # ready again once it can be written
    dispose_engines()


@pytest.mark.postgres
def test_not_ready_while_insert_on_the_audit_store_is_revoked(tmp_path: Path, connector_env: None) -> None:
    from tests.integration.audit.views.unwritable_store import PostgresAuditGrant, audit_login_role
    from tests.support.postgres import fresh_database

    with fresh_database("readyz") as url, audit_login_role(url) as audit_url:
        build_app(make_settings(tmp_path, DATABASE_URL=url))
        dispose_engines()
        app = create_app(make_settings(tmp_path, DATABASE_URL=url, AUDIT_DATABASE_URL=audit_url))
        client = app.test_client()
        try:
            assert client.get("/readyz").status_code == 200
            grant = PostgresAuditGrant(url)
            grant.revoke()
            try:
                response = client.get("/readyz")
                assert response.status_code == 503 and response.get_json()["checks"]["audit_store"] is False
            finally:
                grant.restore()
            assert client.get("/readyz").status_code == 200
            assert _audit_entry_count(url) == 0  # probes never leave a row
        finally:
            app.extensions["audit_probe_engine"].dispose()
            dispose_engines()


def test_not_ready_when_the_connector_registry_does_not_load(app: Flask) -> None:
    response = app.test_client().get("/readyz")  # no agency URLs or credentials in the environment
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["connectors"] is False and body["checks"]["audit_store"] is True
    assert "connector registry did not load" in body["reasons"]["connectors"]


def test_hsts_in_production_only(tmp_path: Path, template_database: Path) -> None:
    from tests.support.redis import redis_session_settings

    shutil.copyfile(template_database, tmp_path / "portal.db")
    test_mode = create_app(make_settings(tmp_path))
    assert "Strict-Transport-Security" not in test_mode.test_client().get("/sign-in").headers
    with redis_session_settings() as redis_settings:
        production = create_app(make_settings(tmp_path, PORTAL_ENV="production",
                                              RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", **redis_settings))
        response = production.test_client().get("/sign-in")
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    dispose_engines()


def test_not_ready_when_the_session_store_does_not_answer(tmp_path: Path, template_database: Path,
                                                          connector_env: None) -> None:
    shutil.copyfile(template_database, tmp_path / "portal.db")
    app = create_app(make_settings(tmp_path, SESSION_STORE="redis", REDIS_URL="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["sessions"] is False and body["checks"]["audit_store"] is True
    assert body["reasons"]["sessions"] == "the session store does not answer, so nobody can sign in"
    dispose_engines()
