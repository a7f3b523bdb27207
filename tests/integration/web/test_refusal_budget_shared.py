"""The refusal budget holds across worker processes: two apps of one deployment (one Redis, one key prefix)
count a user's refused requests together, and flask-limiter is left nothing to do on routes without a limit."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from tests.conftest import dispose_engines, extract_csrf, make_settings
from tests.support.accounts import TEST_PASSWORD
from tests.support.redis import REDIS_URL, redis_prefix


def _signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"username": username, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def test_refusals_in_one_worker_count_against_the_budget_in_another(template_database: Path, tmp_path: Path) -> None:
    shutil.copyfile(template_database, tmp_path / "portal.db")
    with redis_prefix("scv-refusals") as prefix:
        settings = make_settings(tmp_path, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                                 REFUSAL_RATE_LIMIT="3 per minute")
        try:
            first, second = create_app(settings), create_app(settings)  # two workers of one deployment
            one, other = _signed_in(first, "lead.professional"), _signed_in(second, "lead.professional")
            turns = [(one, 1), (one, 2), (other, 3), (other, 4), (one, 5)]
            statuses = [client.get(f"/children/forged-link-{n}").status_code for client, n in turns]
            assert statuses == [404, 404, 404, 429, 429]
        finally:
            dispose_engines()


def test_no_limit_is_set_where_flask_limiter_would_no_longer_look(app: Flask) -> None:
    """Limits go on views (flask-limiter's decorator marks them); blueprint and app-wide ones would be skipped."""
    from portal.extensions import limiter

    assert limiter.limit_manager.default_limits == []
    assert limiter.limit_manager.application_limits == []
    for name in app.blueprints:
        assert limiter.limit_manager.blueprint_limits(app, name) == [], name
