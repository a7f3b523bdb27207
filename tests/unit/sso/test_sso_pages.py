"""SSO routes as a browser or a provider meets them: not configured, several providers, bad logout tokens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from pydantic import ValidationError

from portal import create_app
from tests.conftest import dispose_engines, make_settings

PROVIDERS = [
    {"key": "council", "name": "Glenmorven Council sign-in", "issuer": "http://127.0.0.1:9/council",
     "client_id": "c", "client_secret": "s"},
    {"key": "nhs-board", "name": "NHS Glenmorven sign-in", "issuer": "http://127.0.0.2:9/board",
     "client_id": "b", "client_secret": "s"},
]


@pytest.fixture
def sso_app(template_database: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    shutil.copyfile(template_database, tmp_path / "portal.db")
    yield create_app(make_settings(tmp_path, OIDC_PROVIDERS=PROVIDERS))
    dispose_engines()


def test_the_callback_without_sso_configured_sends_you_to_sign_in_with_a_reason(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sign-in/sso/callback?code=abc&state=xyz")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Single sign-on is not set up on this portal" in page


def test_back_channel_logout_without_sso_configured_is_not_found(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/sign-in/sso/back-channel-logout", data={"logout_token": "x"}).status_code == 404


def test_the_sign_in_page_offers_each_provider(sso_app: Flask) -> None:
    soup = BeautifulSoup(sso_app.test_client().get("/sign-in").get_data(as_text=True), "html.parser")
    buttons = soup.select("[data-testid=sso-providers] a")
    assert [b.get_text(strip=True) for b in buttons] == ["Sign in with Glenmorven Council sign-in",
                                                         "Sign in with NHS Glenmorven sign-in"]
    assert [b["href"] for b in buttons] == ["/sign-in/sso/council", "/sign-in/sso/nhs-board"]


def test_an_unknown_provider_key_is_not_found(sso_app: Flask) -> None:
    assert sso_app.test_client().get("/sign-in/sso/elsewhere").status_code == 404


def test_sign_out_may_redirect_to_the_providers_only(sso_app: Flask) -> None:
    policy = sso_app.test_client().get("/sign-in").headers["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:9 http://127.0.0.2:9;" in policy


def test_a_bad_logout_token_is_refused_without_a_csrf_token(sso_app: Flask) -> None:
    """Providers post server to server (no CSRF token); the token itself must then prove everything."""
    response = sso_app.test_client().post("/sign-in/sso/back-channel-logout", data={"logout_token": "not-a-jwt"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_request"}
    assert response.headers["Cache-Control"] == "no-store"


def test_provider_keys_must_be_unique(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="repeated: council"):
        make_settings(tmp_path, OIDC_PROVIDERS=[PROVIDERS[0], PROVIDERS[0]])
