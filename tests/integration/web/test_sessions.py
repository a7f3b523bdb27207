"""Server-side sessions that really end: sign-out, admin disabling an account, IG ending sessions, idle timeout.

Each test copies the session cookie the way an attacker would and replays it from a fresh client.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from tests.conftest import dispose_engines, extract_csrf, make_settings
from tests.support.accounts import TEST_PASSWORD
from tests.support.redis import redis_session_settings

COOKIE = "portal_session"


@pytest.fixture(params=["filesystem", "redis"])
def store_app(request: pytest.FixtureRequest, template_database: Path, tmp_path: Path) -> Iterator[Flask]:
    """The portal with its sessions in files (the demo) and in Redis (production)."""
    shutil.copyfile(template_database, tmp_path / "portal.db")
    if request.param == "filesystem":
        yield create_app(make_settings(tmp_path))
    else:
        with redis_session_settings() as redis_settings:
            yield create_app(make_settings(tmp_path, **redis_settings))
    dispose_engines()


def _signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"username": username, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"sign-in as {username} failed"
    return client


def _replay(app: Flask, cookie: str) -> FlaskClient:
    """A different client (another browser, another machine) presenting a copied cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _lands_on_sign_in(client: FlaskClient, path: str = "/") -> bool:
    response = client.get(path, follow_redirects=True)
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return (response.request.path == "/sign-in" and soup.h1.get_text(strip=True) == "Sign in"
            and soup.select_one("[data-testid=signed-in-as]") is None)


def _sign_out(client: FlaskClient) -> None:
    token = extract_csrf(client.get("/").get_data(as_text=True))
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302


def _trail(app: Flask, event_type: str) -> list:  # type: ignore[type-arg]
    """Entries of one type, newest first."""
    from portal.audit.queries import search_entries
    from portal.extensions import audit_db

    with app.app_context():
        return search_entries(audit_db.engine, event_type=event_type)


def test_cookie_copied_before_sign_out_opens_nothing_after_it(store_app: Flask) -> None:
    victim = _signed_in(store_app, "lead.professional")
    copied = _cookie(victim)
    assert "Alex Morrison" in _replay(store_app, copied).get("/").get_data(as_text=True)  # the copy works... for now
    _sign_out(victim)
    assert _lands_on_sign_in(_replay(store_app, copied))
    assert _lands_on_sign_in(victim)


def test_session_cookie_holds_only_a_random_id(store_app: Flask) -> None:
    cookie = _cookie(_signed_in(store_app, "teacher"))
    assert "." not in cookie and len(cookie) >= 40  # no signed payload to decode: the data stays on the server


def test_disabling_an_account_ends_its_sessions_and_enabling_does_not_revive_them(store_app: Flask) -> None:
    teacher = _signed_in(store_app, "teacher")
    copied = _cookie(teacher)
    admin = _signed_in(store_app, "admin")
    page = BeautifulSoup(admin.get("/admin/accounts").get_data(as_text=True), "html.parser")
    row = page.select_one("tr[data-account=teacher]")
    form = row.find("form")
    assert form.button.get_text(" ", strip=True).startswith("Disable")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    response = admin.post(form["action"], data={"csrf_token": token}, follow_redirects=True)
    assert "can no longer sign in. 1 open session ended." in response.get_data(as_text=True)
    assert _lands_on_sign_in(_replay(store_app, copied))
    assert _lands_on_sign_in(teacher)
    disabled = _trail(store_app, "account_change")[0]
    assert disabled.user_id == "admin" and disabled.details == {"action": "disable", "account": "teacher",
                                                                 "sessions_ended": 1}
    # A disabled account cannot sign in again...
    token = extract_csrf(teacher.get("/sign-in").get_data(as_text=True))
    refused = teacher.post("/sign-in", data={"username": "teacher", "password": TEST_PASSWORD, "csrf_token": token})
    assert refused.status_code == 400
    # ...and enabling it lets the person sign in afresh, but never brings the old session back.
    row = BeautifulSoup(admin.get("/admin/accounts").get_data(as_text=True), "html.parser").select_one(
        "tr[data-account=teacher]")
    admin.post(row.find("form")["action"], data={"csrf_token": extract_csrf(str(row))})
    assert _trail(store_app, "account_change")[0].details == {"action": "enable", "account": "teacher"}
    assert _lands_on_sign_in(_replay(store_app, copied))
    assert _signed_in(store_app, "teacher").get("/").status_code == 200


def test_an_admin_cannot_disable_their_own_account(store_app: Flask) -> None:
    admin = _signed_in(store_app, "admin")
    with store_app.app_context():
        from portal.data.users import list_accounts

        admin_id = next(a.id for a in list_accounts() if a.username == "admin")
    token = extract_csrf(admin.get("/admin/accounts").get_data(as_text=True))
    page = admin.post(f"/admin/accounts/{admin_id}/disable", data={"csrf_token": token}, follow_redirects=True)
    assert "You cannot disable your own account" in page.get_data(as_text=True)
    assert admin.get("/").status_code == 200


def test_disable_needs_csrf(store_app: Flask) -> None:
    admin = _signed_in(store_app, "admin")
    teacher = _signed_in(store_app, "teacher")
    with store_app.app_context():
        from portal.data.users import list_accounts

        teacher_id = next(a.id for a in list_accounts() if a.username == "teacher")
    assert admin.post(f"/admin/accounts/{teacher_id}/disable").status_code == 400
    assert teacher.get("/").status_code == 200


def test_ig_ends_every_session_of_a_user(store_app: Flask) -> None:
    desk, laptop = _signed_in(store_app, "lead.professional"), _signed_in(store_app, "lead.professional")
    bystander = _signed_in(store_app, "teacher")
    ig = _signed_in(store_app, "ig.officer")
    page = BeautifulSoup(ig.get("/ig/sessions").get_data(as_text=True), "html.parser")
    row = page.select_one("tr[data-account='lead.professional']")
    assert row.select_one("[data-testid=open-sessions]").get_text(strip=True) == "2"
    response = ig.post(row.find("form")["action"], data={"csrf_token": extract_csrf(str(page))},
                       follow_redirects=True)
    assert "Ended 2 sessions of Alex Morrison" in response.get_data(as_text=True)
    assert _lands_on_sign_in(desk) and _lands_on_sign_in(laptop)
    assert bystander.get("/").status_code == 200
    ended = _trail(store_app, "sessions_ended")[0]
    assert ended.user_id == "ig.officer" and ended.details["account"] == "lead.professional"
    assert ended.details["sessions_ended"] == 2
    after = BeautifulSoup(ig.get("/ig/sessions").get_data(as_text=True), "html.parser")
    assert after.select_one("tr[data-account='lead.professional'] [data-testid=open-sessions]").get_text(
        strip=True) == "0"


def test_a_request_in_flight_cannot_revive_an_ended_session(store_app: Flask) -> None:
    """A slow request that saves its session after sign-out elsewhere writes the data back; it stays dead."""
    from portal.auth.sessions import end_session_by_sid

    client = _signed_in(store_app, "lead.professional")
    sid = _cookie(client)
    interface = store_app.session_interface
    saved = interface._retrieve_session_data(interface._get_store_id(sid))  # type: ignore[attr-defined]
    assert saved and saved["_user_id"]
    with store_app.app_context():
        assert end_session_by_sid(sid) is True
        assert end_session_by_sid(sid) is False  # already over
    # What the slow request's save_session does: write its (signed-in) data back under the old id.
    interface._upsert_session(store_app.permanent_session_lifetime,  # type: ignore[attr-defined]
                              interface.session_class(saved, sid=sid), interface._get_store_id(sid))  # type: ignore[attr-defined]
    assert interface._retrieve_session_data(interface._get_store_id(sid))  # type: ignore[attr-defined]
    assert _lands_on_sign_in(client)


def test_an_htmx_request_after_the_idle_limit_gets_a_whole_page_redirect(store_app: Flask) -> None:
    client = _signed_in(store_app, "lead.professional")
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 16 * 60
    response = client.get("/children/search", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/sign-in"
    assert response.get_data(as_text=True) == ""  # nothing for htmx to paste into the page
    assert "had not used the portal for a while" in client.get("/sign-in").get_data(as_text=True)
    expired = _trail(store_app, "sign_out")[0]
    assert expired.user_id == "lead.professional" and expired.details == {"reason": "session expired"}


def test_an_htmx_request_after_revocation_gets_a_whole_page_redirect(store_app: Flask) -> None:
    from portal.auth.sessions import end_sessions_for_user

    client = _signed_in(store_app, "lead.professional")
    with store_app.app_context():
        from portal.data.users import list_accounts

        user_id = next(a.id for a in list_accounts() if a.username == "lead.professional")
        assert end_sessions_for_user(user_id) == 1
    response = client.get("/children/search", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/sign-in" and response.get_data(as_text=True) == ""
    plain = client.get("/children/search")
    assert plain.status_code == 302 and "/sign-in" in plain.headers["Location"]


def _seconds_left(client: FlaskClient) -> int:
    status = client.get("/session")
    assert status.status_code == 200
    return int(status.get_json()["idle_seconds_left"])


def test_asking_the_time_left_is_not_use_but_stay_signed_in_is(store_app: Flask) -> None:
    client = _signed_in(store_app, "teacher")
    token = extract_csrf(client.get("/").get_data(as_text=True))
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 14 * 60
    assert 50 <= _seconds_left(client) <= 60
    assert _seconds_left(client) <= 60  # asking again did not extend it
    assert client.post("/session/stay-signed-in", headers={"Accept": "application/json"}).status_code == 400  # CSRF
    assert _seconds_left(client) <= 60
    stayed = client.post("/session/stay-signed-in", data={"csrf_token": token}, headers={"Accept": "application/json"})
    assert stayed.get_json() == {"signed_in": True, "idle_seconds_left": 900}
    assert _seconds_left(client) >= 895


def test_stay_signed_in_without_javascript_returns_to_the_page(store_app: Flask) -> None:
    client = _signed_in(store_app, "lead.professional")
    token = extract_csrf(client.get("/").get_data(as_text=True))
    back = client.post("/session/stay-signed-in", data={"csrf_token": token, "next": "/children/search"})
    assert back.status_code == 302 and back.headers["Location"] == "/children/search"
    away = client.post("/session/stay-signed-in", data={"csrf_token": token, "next": "//evil.example/"})
    assert away.headers["Location"] == "/"


def test_the_timeout_warning_is_on_every_signed_in_page(store_app: Flask) -> None:
    client = _signed_in(store_app, "lead.professional")
    soup = BeautifulSoup(client.get("/children/search").get_data(as_text=True), "html.parser")
    dialog = soup.select_one("dialog#session-timeout")
    assert dialog is not None and not dialog.has_attr("open")
    assert dialog["data-idle-seconds"] == "900" and dialog["data-warning-seconds"] == "120"
    assert "You will be signed out in 2 minutes" in dialog.get_text(" ", strip=True)
    form = dialog.find("form")
    assert form["action"] == "/session/stay-signed-in" and form.find("input", attrs={"name": "csrf_token"})
    assert form.find("input", attrs={"name": "next"})["value"] == "/children/search"
    assert form.button.get_text(strip=True) == "Stay signed in"
    assert soup.find("script", src="/static/js/session-timeout.js") is not None
    signed_out = BeautifulSoup(store_app.test_client().get("/sign-in").get_data(as_text=True), "html.parser")
    assert signed_out.select_one("dialog#session-timeout") is None


def test_signing_in_starts_a_new_session_id(store_app: Flask) -> None:
    """A session id planted before sign-in (fixation) is not the one that gets signed in."""
    client = store_app.test_client()
    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    planted = _cookie(client)
    client.post("/sign-in", data={"username": "teacher", "password": TEST_PASSWORD, "csrf_token": token})
    assert _cookie(client) != planted
    assert _lands_on_sign_in(_replay(store_app, planted))


def test_use_after_a_pause_is_stored_though_sessions_are_written_only_when_changed(store_app: Flask) -> None:
    client = _signed_in(store_app, "teacher")
    paused = int(time.time()) - 10 * 60
    with client.session_transaction() as session:
        session["last_seen"] = paused
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:  # read back from the store, as the next request would
        assert session["last_seen"] > paused + 9 * 60
    assert client.get("/").status_code == 200  # a second request in the same second leaves it as it is
    with client.session_transaction() as session:
        assert session["last_seen"] > paused + 9 * 60
