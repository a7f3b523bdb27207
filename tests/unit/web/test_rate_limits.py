"""Rate limits: searching is bounded per user (a clear 429 page), and sign-in fails closed without its store."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from portal import create_app
from tests.conftest import dispose_engines, extract_csrf, make_settings
from tests.support.accounts import TEST_PASSWORD
from tests.support.sandbox import free_port


def _search(client: FlaskClient) -> tuple[int, str, str | None]:
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    # No purpose: the form answers 400 without asking any agency, but the search still counts.
    response = client.post("/children/search", data={"chi": "0101011234", "csrf_token": token})
    return response.status_code, response.get_data(as_text=True), response.headers.get("Retry-After")


def test_searching_past_the_limit_gets_a_clear_page_and_others_are_not_affected(
        settings, template_database: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    shutil.copyfile(template_database, tmp_path / "portal.db")
    app = create_app(settings.model_copy(update={"SEARCH_RATE_LIMIT": "2 per minute"}))
    try:
        teacher, visitor = app.test_client(), app.test_client()
        for client, username in ((teacher, "teacher"), (visitor, "health.visitor")):
            token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
            client.post("/sign-in", data={"username": username, "password": TEST_PASSWORD, "csrf_token": token})
        assert [_search(teacher)[0] for _ in range(2)] == [400, 400]
        status, page, retry_after = _search(teacher)
        assert status == 429 and retry_after == "60"
        soup = BeautifulSoup(page, "html.parser")
        assert soup.h1.get_text(strip=True) == "You have made too many requests"
        assert "Wait a minute, then try again." in soup.get_text()
        assert _search(visitor)[0] == 400  # counted per user: a colleague still searches
    finally:
        dispose_engines()


def test_sign_in_fails_closed_when_the_shared_store_is_unreachable(
        template_database: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copyfile(template_database, tmp_path / "portal.db")
    nothing_listens = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(make_settings(tmp_path, RATELIMIT_STORAGE_URI=nothing_listens))
    try:
        client = app.test_client()
        token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
        response = client.post("/sign-in", data={"username": "teacher", "password": TEST_PASSWORD,
                                                 "csrf_token": token})
        assert response.status_code == 503
        assert "Sign-in is not available just now" in response.get_data(as_text=True)
        assert client.get("/").status_code == 302  # nobody was signed in
    finally:
        dispose_engines()


def test_a_probe_limit_tells_its_caller_each_refusal(settings, template_database: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from portal.ratelimits import probe_limit

    shutil.copyfile(template_database, tmp_path / "portal.db")
    app = create_app(settings.model_copy(update={"SEARCH_RATE_LIMIT": "2 per minute"}))
    refused: list[str] = []

    def probe() -> str:
        return "answered"

    app.add_url_rule("/probe-for-test", view_func=probe_limit(
        "SEARCH_RATE_LIMIT", on_breach=lambda limit: refused.append(str(limit.limit)))(probe))
    try:
        client = app.test_client()
        statuses = [client.get("/probe-for-test").status_code for _ in range(4)]
        assert statuses == [200, 200, 429, 429]
        assert refused == ["2 per 1 minute", "2 per 1 minute"]
    finally:
        dispose_engines()
