"""Headers that must be on every response, and no-store on every page."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize("path", ["/sign-in", "/", "/healthz", "/no-such-page"])
def test_security_headers_on_every_response(client: FlaskClient, sign_in, path: str) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client: FlaskClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    from bs4 import BeautifulSoup

    sign_in("lead.professional")
    for path in ("/sign-in", "/"):
        soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        for script in soup.find_all("script"):
            assert script.get("src"), f"inline script on {path}"
        assert not soup.select("[onclick], [onload], [onsubmit]")


def test_htmx_responses_vary_on_hx_request(client: FlaskClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("teacher")
    assert "HX-Request" in client.get("/").headers.get("Vary", "")


def test_health_endpoints(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()  # the connectors' part is tested in test_readiness.py
    assert ready["checks"]["database"] is True and ready["checks"]["audit_store"] is True


def test_secure_cookie_outside_demo_and_test(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from portal import create_app
    from tests.conftest import make_settings
    from tests.support.redis import redis_session_settings

    with redis_session_settings() as redis_settings:
        settings = make_settings(tmp_path, PORTAL_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
                                 RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", **redis_settings)
        assert create_app(settings).config["SESSION_COOKIE_SECURE"] is True
