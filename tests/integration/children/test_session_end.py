"""Child links and the record die with the session: another session of the same user, sign-out, revocation,
the idle limit reached during htmx work, and a session ended while the record streams."""

from __future__ import annotations

import time

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import extract_csrf
from tests.integration.children.conftest import open_child
from tests.support.accounts import TEST_PASSWORD


def _signed_in(app: Flask, username: str = "lead.professional") -> FlaskClient:
    client = app.test_client()
    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    assert client.post("/sign-in", data={"username": username, "password": TEST_PASSWORD,
                                         "csrf_token": token}).status_code == 302
    return client


def _user_id(app: Flask, username: str) -> int:
    from portal.data.users import list_accounts

    with app.app_context():
        return next(a.id for a in list_accounts() if a.username == username)


def test_a_child_link_opens_only_in_the_session_it_was_made_in(child_app, sandbox) -> None:  # type: ignore[no-untyped-def]
    child = sandbox.child("multi_agency")
    name = f"{child['forename']} {child['surname']}"
    first = _signed_in(child_app)
    url, html = open_child(first, child["chi"])
    assert name in html
    second = _signed_in(child_app)  # the same person, signed in again on another device
    elsewhere = second.get(url)
    assert elsewhere.status_code == 404 and name not in elsewhere.get_data(as_text=True)
    assert first.get(url).status_code == 200  # still fine where it was made


def test_a_child_link_dies_with_sign_out(child_app, sandbox) -> None:  # type: ignore[no-untyped-def]
    child = sandbox.child("multi_agency")
    client = _signed_in(child_app)
    url, _ = open_child(client, child["chi"])
    shell_url = url.removesuffix("/content")
    assert client.get(shell_url).status_code == 200
    client.post("/sign-out", data={"csrf_token": extract_csrf(client.get("/").get_data(as_text=True))})
    assert client.get(shell_url).status_code == 302  # signed out: to the sign-in page
    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    client.post("/sign-in", data={"username": "lead.professional", "password": TEST_PASSWORD, "csrf_token": token})
    for link in (shell_url, url):
        again = client.get(link)
        assert again.status_code == 404
        assert child["surname"] not in again.get_data(as_text=True) and child["chi"] not in again.get_data(as_text=True)


def test_a_filter_after_the_idle_limit_replaces_the_page_not_the_chronology(child_app, sandbox) -> None:  # type: ignore[no-untyped-def]
    child = sandbox.child("multi_agency")
    client = _signed_in(child_app)
    url, _ = open_child(client, child["chi"])
    chronology = url.removesuffix("/content") + "/chronology?agency=health&show=all"
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 16 * 60
    response = client.get(chronology, headers={"HX-Request": "true", "HX-Target": "chronology"})
    assert response.headers.get("HX-Redirect") == "/sign-in"
    assert response.get_data(as_text=True) == ""
    page = client.get("/sign-in").get_data(as_text=True)
    assert "had not used the portal for a while" in page
    assert client.get(chronology, headers={"HX-Request": "true"}).headers.get("HX-Redirect") == "/sign-in"


def _events(body: str) -> dict[str, str]:
    events = {}
    for block in body.split("\n\n"):
        lines = block.splitlines()
        event = next((line[7:] for line in lines if line.startswith("event: ")), None)
        if event is not None:
            events[event] = "\n".join(line[6:] for line in lines if line.startswith("data: "))
    return events


def test_the_record_stream_sends_nothing_once_the_session_is_ended(child_app, sandbox) -> None:  # type: ignore[no-untyped-def]
    from portal.auth.sessions import end_sessions_for_user

    child = sandbox.child("multi_agency")
    client = _signed_in(child_app)
    url, _ = open_child(client, child["chi"])
    shell = BeautifulSoup(client.get(url.removesuffix("/content")).get_data(as_text=True), "html.parser")
    stream = client.get(shell.select_one("#child-record")["sse-connect"], buffered=False)
    assert stream.status_code == 200
    body = iter(stream.response)
    assert next(body).decode().startswith("retry:")  # streaming has begun: the agencies are being asked
    with child_app.app_context():
        assert end_sessions_for_user(_user_id(child_app, "lead.professional")) == 1  # e.g. IG, mid-stream
    rest = b"".join(body).decode()
    stream.close()
    events = _events(rest)
    assert "You have been signed out" in events["record"]
    assert child["surname"] not in rest and child["chi"] not in rest
    assert "done" in events
