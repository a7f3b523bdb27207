"""Fixtures every test folder can use: settings, an app on a fresh database, a client, sign-in."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.config import Settings
from tests.support.accounts import TEST_PASSWORD, create_accounts


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "PORTAL_ENV": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "AUDIT_HMAC_KEY": "test-audit-hmac-key",
        "INSTANCE_PATH": tmp_path / "instance",
        "SANDBOX_DATA_DIR": tmp_path / "sandbox",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def build_app(settings: Settings) -> Flask:
    """An app with migrated databases and the demo-shaped accounts."""
    from portal.audit.store import upgrade_audit_store
    from portal.migrations import upgrade_database

    upgrade_database(settings.DATABASE_URL)
    upgrade_audit_store(settings.audit_database_url)
    app = create_app(settings)
    with app.app_context():
        create_accounts()
    return app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def cohort():  # type: ignore[no-untyped-def]
    """The deterministic demo cohort, generated once (the sandbox data tests on SQLite and PostgreSQL share it)."""
    from sandbox.cohort import generate

    return generate()


def dispose_engines() -> None:
    from portal.extensions import audit_db, db

    for database in (db, audit_db):
        if database.engine is not None:
            database.engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate and create accounts once; each test gets a copy (argon2 and Alembic are slow on purpose)."""
    folder = tmp_path_factory.mktemp("template")
    build_app(make_settings(folder))
    dispose_engines()
    return folder / "portal.db"


@pytest.fixture
def app(settings: Settings, template_database: Path, tmp_path: Path) -> Iterator[Flask]:
    shutil.copyfile(template_database, tmp_path / "portal.db")
    app = create_app(settings)
    # Route-by-route checks are refused far faster than a person is; tests of the limit set their own.
    app.config["REFUSAL_RATE_LIMIT"] = "10000 per minute"
    yield app
    dispose_engines()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def extract_csrf(html: str) -> str:
    """The CSRF token from a page's form (or its meta tag, which htmx uses)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    field = soup.find("input", attrs={"name": "csrf_token"})
    if field is not None:
        return str(field["value"])
    return str(soup.find("meta", attrs={"name": "csrf-token"})["content"])


@pytest.fixture
def sign_in(client: FlaskClient) -> Callable[[str], FlaskClient]:
    """Sign `username` in through the real form (CSRF token and all)."""

    def _sign_in(username: str, password: str = TEST_PASSWORD) -> FlaskClient:
        page = client.get("/sign-in").get_data(as_text=True)
        response = client.post(
            "/sign-in", data={"username": username, "password": password, "csrf_token": extract_csrf(page)}
        )
        assert response.status_code == 302, f"sign-in as {username} failed"
        return client

    return _sign_in
