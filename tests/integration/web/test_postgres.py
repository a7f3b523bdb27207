"""The same migrations and sign-in on PostgreSQL (required in CI, never skipped there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from portal import create_app
from tests.conftest import build_app, dispose_engines, extract_csrf, make_settings
from tests.support.accounts import TEST_PASSWORD
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.postgres


def test_migrations_run_on_postgres_and_sign_in_works(tmp_path: Path) -> None:
    with fresh_database() as url:
        app = build_app(make_settings(tmp_path, DATABASE_URL=url))
        try:
            tables = set(inspect(create_engine(url)).get_table_names())
            assert {"organisations", "users", "audit_entries"} <= tables
            client = app.test_client()
            token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
            response = client.post(
                "/sign-in", data={"username": "lead.professional", "password": TEST_PASSWORD, "csrf_token": token}
            )
            assert response.status_code == 302
            assert "Alex Morrison" in client.get("/").get_data(as_text=True)
            checks = client.get("/readyz").get_json()["checks"]
            assert checks["database"] is True and checks["audit_store"] is True
        finally:
            dispose_engines()


def test_readyz_reports_an_unreachable_database(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none")
    app = create_app(settings)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] is False
    dispose_engines()
