"""Sign-in, sign-out, CSRF, generic errors and session timeouts, through the real app."""

from __future__ import annotations

import time

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from tests.conftest import extract_csrf
from tests.support.accounts import TEST_PASSWORD


def _post_sign_in(client: FlaskClient, username: str, password: str) -> tuple[int, str]:
    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def test_sign_in_page_has_labelled_fields_and_button(client: FlaskClient) -> None:
    soup = BeautifulSoup(client.get("/sign-in").get_data(as_text=True), "html.parser")
    assert soup.title.string.strip() == "Sign in – Single Child View"
    for label_text, field_id in (("Username", "username"), ("Password", "password")):
        label = soup.find("label", string=lambda s, t=label_text: s and s.strip() == t)
        assert label is not None and label["for"] == field_id
        assert soup.find("input", id=field_id) is not None
    assert soup.find("button", string=lambda s: s and s.strip() == "Sign in")
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), "duplicate ids on the page"


def test_wrong_password_and_unknown_user_get_the_same_message(client: FlaskClient) -> None:
    wrong_status, wrong_page = _post_sign_in(client, "teacher", "not-the-password")
    unknown_status, unknown_page = _post_sign_in(client, "nobody.here", "not-the-password")
    assert wrong_status == unknown_status == 400

    def summary(page: str) -> str:
        return BeautifulSoup(page, "html.parser").select_one(".govuk-error-summary__list").get_text(" ", strip=True)

    assert summary(wrong_page) == summary(unknown_page) == "The username or password is not right"


def test_each_role_signs_in_and_sees_name_and_role(client: FlaskClient) -> None:
    expected = {
        "lead.professional": ("Alex Morrison", "Lead professional"),
        "health.visitor": ("Jo Campbell", "Practitioner"),
        "ig.officer": ("Pat Henderson", "Information governance officer"),
        "admin": ("Robin Shaw", "Administrator"),
    }
    for username, (name, role) in expected.items():
        status, _ = _post_sign_in(client, username, TEST_PASSWORD)
        assert status == 302
        home = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
        assert name in home.h1.get_text()
        assert home.select_one("[data-testid=home-role]").get_text(strip=True) == role
        token = extract_csrf(str(home))
        assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
        assert client.get("/").status_code == 302  # signed out: back to sign-in


def test_post_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/sign-in", data={"username": "teacher", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # and nobody got signed in


def test_sign_out_needs_csrf_too(client: FlaskClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("teacher")
    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_idle_session_is_signed_out(client: FlaskClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("teacher")
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 16 * 60
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    page = client.get("/sign-in").get_data(as_text=True)
    assert "had not used the portal for a while" in page
    assert client.get("/").status_code == 302


def test_absolute_session_lifetime(client: FlaskClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("teacher")
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - 11 * 3600
    assert client.get("/").status_code == 302


def test_session_cookie_flags(client: FlaskClient) -> None:
    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"username": "teacher", "password": TEST_PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_repeated_failures_pause_sign_in_even_with_the_right_password(client: FlaskClient) -> None:
    for _ in range(5):
        assert _post_sign_in(client, "teacher", "guess")[0] == 400
    status, page = _post_sign_in(client, "teacher", TEST_PASSWORD)
    assert status == 400 and "Too many sign-in attempts" in page
    assert client.get("/").status_code == 302
    # An unknown username is paused the same way, so the pause reveals nothing.
    for _ in range(5):
        _post_sign_in(client, "nobody.at.all", "guess")
    assert "Too many sign-in attempts" in _post_sign_in(client, "nobody.at.all", "guess")[1]
    # Someone else at the same address is not locked out by these.
    assert _post_sign_in(client, "admin", TEST_PASSWORD)[0] == 302


def test_throttle_window_expires(time_machine) -> None:  # type: ignore[no-untyped-def]
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    from portal.auth.throttle import SignInThrottle

    throttle = SignInThrottle(MovingWindowRateLimiter(MemoryStorage()), secret="k", max_failures=2, window_s=60)
    start = 1_800_000_000

    def at(now: float) -> None:
        time_machine.move_to(start + now, tick=False)

    at(0)
    throttle.failed("a", None)
    at(1)
    throttle.failed("a", None)
    at(2)
    assert throttle.is_paused("a", None)
    at(62)
    assert not throttle.is_paused("a", None)
    at(70)
    throttle.failed("a", "10.0.0.1")
    at(71)
    assert not throttle.is_paused("b", "10.0.0.1")  # one failure from an address pauses nobody else
    throttle.succeeded("a")
    assert not throttle.is_paused("a", None)
