"""A meeting through the real routes and sandbox agencies: masking in the HTML sent, audit entries, handout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from sandbox.cohort.hard_cases import FORMER_PARTNER
from tests.conftest import extract_csrf
from tests.integration.access.conftest import child_token, user_named

PROTECTED_TEXT = ("previous convictions", "Police attended", "Restricted information exists", "refuge",
                  "Anxiety: disclosed", "Information about a sibling", FORMER_PARTNER, "Darren", "Kerr")


def newest(app: Flask, event_type: str):  # type: ignore[no-untyped-def]
    from portal.audit.queries import search_entries
    from portal.extensions import audit_db

    with app.app_context():
        found = search_entries(audit_db.engine, event_type=event_type, limit=1)
    return found[0] if found else None


def protected_child(sandbox) -> dict:  # type: ignore[no-untyped-def]
    return sandbox.child("nopat", "third_party", "very_restricted")


def start_meeting(app: Flask, client: FlaskClient, chi: str, *, family: bool, action: str = "start") -> str:
    token = child_token(app, "lead.professional", chi, client=client)
    page = client.get(f"/meetings/new/{token}")
    assert page.status_code == 200
    with app.app_context():
        health_visitor = user_named("health.visitor").id
    form = {"csrf_token": extract_csrf(page.get_data(as_text=True)), "meeting_type": "cppm",
            "purpose": "child_protection", "attendee": str(health_visitor), "other_role_1": "Family support worker",
            "other_org_1": "Women's Aid", "action": action}
    if family:
        form["family_present"] = "yes"
    response = client.post(f"/meetings/new/{token}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return re.search(r"/meetings/([A-Za-z0-9_-]+)", response.headers["Location"]).group(1)  # type: ignore[union-attr]


def every_page(client: FlaskClient, meeting: str) -> str:
    """The screen's HTML, every chronology page of it, as the browser would be sent it."""
    first = client.get(f"/meetings/{meeting}").get_data(as_text=True)
    found = re.search(r"page 1 of (\d+)", first)
    pages = int(found.group(1)) if found else 1
    return first + "".join(client.get(f"/meetings/{meeting}?page={n}").get_data(as_text=True)
                           for n in range(2, pages + 1))


def visible_text(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ")


def test_family_present_screen_sends_none_of_what_the_family_may_not_see(meeting_app, client, sign_in,  # type: ignore[no-untyped-def]
                                                                         sandbox) -> None:
    child = protected_child(sandbox)
    sign_in("lead.professional")
    meeting = start_meeting(meeting_app, client, child["chi"], family=True)
    html = every_page(client, meeting)
    for text in PROTECTED_TEXT:
        assert text not in html, text
    assert "Police concern recorded, " in html
    assert re.search(r"Adult [A-Z]+ is not to have contact", html)  # the safety plan, the partner's name substituted
    started = newest(meeting_app, "meeting_start")
    assert started.subject_chi == child["chi"] and started.details["family_present"] is True
    assert {a["organisation"] for a in started.details["attendees"]} == {
        "NHS Glenmorven: Health Visiting North", "Women's Aid"}
    first_page = client.get(f"/meetings/{meeting}").get_data(as_text=True)
    view = newest(meeting_app, "view_child")
    assert view.details["meeting"] == meeting and view.details["family_present"] is True
    rows = {row["data-record"] for row in BeautifulSoup(first_page, "html.parser").select(
        "[data-testid=meeting-chronology] tr[data-record]")}
    audited = {f"{s['agency']}:{i}" for s in view.sources for i in s["record_ids"]}
    assert rows and rows <= audited  # the entry lists every item the screen shows (and the key facts' ids)


def test_professionals_only_shows_what_the_chairs_access_allows(meeting_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    child = protected_child(sandbox)
    sign_in("lead.professional")
    meeting = start_meeting(meeting_app, client, child["chi"], family=False)
    text = visible_text(every_page(client, meeting))
    assert "previous convictions" in text and FORMER_PARTNER in text  # R police item: the lead professional's access
    assert "Anxiety: disclosed fear" in text  # NOPAT reaches the chair; only the family's screen drops it
    assert "Information about a sibling" in text
    assert "Professionals only" in text


def test_reveal_presence_end_and_handout_are_audited_by_id(meeting_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    child = protected_child(sandbox)
    sign_in("lead.professional")
    meeting = start_meeting(meeting_app, client, child["chi"], family=True)
    client.get(f"/meetings/{meeting}")
    withheld = BeautifulSoup(client.get(f"/meetings/{meeting}/withheld").get_data(as_text=True), "html.parser")
    choices = [i["value"] for i in withheld.select("input[name=item]")]
    assert any(v.startswith("police:") for v in choices) and "previous convictions" not in withheld.get_text()
    third_party = next(v for v in choices if v.startswith("police:") and "Information about someone else"
                       in withheld.find("input", attrs={"value": v}).find_next("label").get_text())
    csrf = extract_csrf(str(withheld))
    missing_reason = client.post(f"/meetings/{meeting}/reveal", data={"csrf_token": csrf, "item": third_party,
                                                                       "confirm": "yes"})
    assert missing_reason.status_code == 400 and "Select the reason" in missing_reason.get_data(as_text=True)
    client.post(f"/meetings/{meeting}/reveal", data={"csrf_token": csrf, "item": third_party, "reason": "consent",
                                                     "confirm": "yes"})
    revealed = newest(meeting_app, "meeting_reveal")
    assert revealed.details["item"] == {"agency": "police", "record_id": third_party.split(":", 1)[1]}
    assert revealed.details["reason"] == "consent"
    html = every_page(client, meeting)
    text = visible_text(html)
    report = re.search(r"Mother's former partner, (Adult [A-Z]+), has previous convictions", text)
    plan = re.search(r"(Adult [A-Z]+) is not to have contact", text)
    assert report and plan and report.group(1) == plan.group(1)  # one person, one substitute, all meeting
    assert FORMER_PARTNER not in html

    client.post(f"/meetings/{meeting}/presence", data={"csrf_token": csrf})
    presence = newest(meeting_app, "meeting_presence")
    assert presence.details["family_present"] is False and presence.details["before"]["family_present"] is True

    client.post(f"/meetings/{meeting}/end", data={"csrf_token": csrf})
    ended = newest(meeting_app, "meeting_end")
    assert ended.details["ended"] == "by the chair"
    assert third_party.split(":", 1)[1] in ended.details["shown"]["police"]
    assert client.get(f"/meetings/{meeting}").headers["Location"].endswith(f"/meetings/{meeting}/record")

    record = BeautifulSoup(client.get(f"/meetings/{meeting}/record").get_data(as_text=True), "html.parser")
    record_ids = {row["data-record"] for row in record.select("[data-testid=items-shown] tr[data-record]")}
    assert {f"{a}:{i}" for a, ids in ended.details["shown"].items() for i in ids} == record_ids
    handout = BeautifulSoup(client.get(f"/meetings/{meeting}/handout").get_data(as_text=True), "html.parser")
    assert {row["data-record"] for row in handout.select("[data-testid=handout] tr[data-record]")} == record_ids
    assert "shown at a meeting of professionals" in handout.get_text()  # the family had left before the end
    assert newest(meeting_app, "print").details["meeting"] == meeting


def test_a_meeting_past_its_time_box_shows_nothing_and_is_ended(meeting_app, client, sign_in, sandbox,  # type: ignore[no-untyped-def]
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    child = protected_child(sandbox)
    sign_in("lead.professional")
    meeting = start_meeting(meeting_app, client, child["chi"], family=True)
    from portal.meetings import routes

    real = routes.now_utc
    monkeypatch.setattr(routes, "now_utc", lambda: real() + timedelta(minutes=16))
    response = client.get(f"/meetings/{meeting}", follow_redirects=True)
    text = visible_text(response.get_data(as_text=True))
    assert "This meeting has closed" in text and child["forename"] not in text
    ended = newest(meeting_app, "meeting_end")
    assert ended.details["ended"] == "timed out"


def test_preparing_previews_the_family_view_and_the_selection_limits_the_screen(meeting_app, client, sign_in,  # type: ignore[no-untyped-def]
                                                                               sandbox) -> None:
    child = protected_child(sandbox)
    sign_in("lead.professional")
    meeting = start_meeting(meeting_app, client, child["chi"], family=True, action="prepare")
    preview = client.get(f"/meetings/{meeting}/prepare").get_data(as_text=True)
    for text in PROTECTED_TEXT:
        assert text not in preview, text
    items = [i["value"] for i in BeautifulSoup(preview, "html.parser").select("input[name=item]")]
    assert len(items) > 3
    csrf = extract_csrf(preview)
    client.post(f"/meetings/{meeting}/prepare", data={"csrf_token": csrf, "item": items[:2]})
    client.post(f"/meetings/{meeting}/start", data={"csrf_token": csrf})
    screen = BeautifulSoup(every_page(client, meeting), "html.parser")
    rows = screen.select("[data-testid=meeting-chronology] tr[data-record]")
    assert [row["data-record"] for row in rows] == items[:2]


def test_only_the_chair_can_open_a_meeting(meeting_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    child = protected_child(sandbox)
    sign_in("lead.professional")
    meeting = start_meeting(meeting_app, client, child["chi"], family=True)
    client.post("/sign-out", data={"csrf_token": extract_csrf(client.get("/").get_data(as_text=True))})
    sign_in("health.visitor")
    assert client.get(f"/meetings/{meeting}").status_code == 404


def test_an_htmx_page_step_after_the_end_sends_the_whole_window_to_the_record(meeting_app, client, sign_in,  # type: ignore[no-untyped-def]
                                                                             sandbox) -> None:
    child = protected_child(sandbox)
    sign_in("lead.professional")
    meeting = start_meeting(meeting_app, client, child["chi"], family=True)
    client.post(f"/meetings/{meeting}/end", data={"csrf_token": extract_csrf(client.get("/").get_data(as_text=True))})
    step = client.get(f"/meetings/{meeting}?page=2", headers={"HX-Request": "true"})
    assert step.status_code == 204 and step.headers["HX-Redirect"].endswith(f"/meetings/{meeting}/record")
    assert step.get_data() == b""


def test_the_meeting_tables_hold_no_child_identifiers_or_content(meeting_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from portal.extensions import db

    child = protected_child(sandbox)
    sign_in("lead.professional")
    meeting = start_meeting(meeting_app, client, child["chi"], family=True)
    html = every_page(client, meeting)
    client.post(f"/meetings/{meeting}/end", data={"csrf_token": extract_csrf(html)})
    titles = {row.find("strong").get_text() for row in BeautifulSoup(html, "html.parser").select(
        "[data-testid=meeting-chronology] tr[data-record]")}
    with meeting_app.app_context(), db.engine.connect() as connection:
        stored = " ".join(str(value) for table in ("meetings", "meeting_attendees", "meeting_items")
                          for row in connection.execute(text(f"SELECT * FROM {table}")) for value in row)  # noqa: S608
    assert meeting in stored and "police" in stored  # the meeting and its item ids are there
    for secret in (child["chi"], child["forename"], child["surname"], FORMER_PARTNER, *titles):
        assert secret not in stored, secret


def test_the_screen_names_an_agency_that_answered_only_with_another_childs_records(  # type: ignore[no-untyped-def]
        meeting_app, client, sign_in, sandbox, faults) -> None:
    sign_in("lead.professional")
    faults("education", "wrong_child")
    meeting = start_meeting(meeting_app, client, sandbox.child("multi_agency")["chi"], family=True)
    flows = BeautifulSoup(client.get(f"/meetings/{meeting}").get_data(as_text=True), "html.parser").select_one(
        "[data-testid=meeting-flows]").get_text(" ", strip=True)
    # Not "Education shares nothing for this purpose": the room must know the education part is missing.
    assert "Education did not answer: this chronology may be incomplete." in flows


def test_words_typed_into_the_screens_address_are_not_read(meeting_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    """The chronology's words travel only by POST and an opaque reference; a hand-typed `?q=` filters nothing."""
    child = protected_child(sandbox)
    sign_in("lead.professional")
    meeting = start_meeting(meeting_app, client, child["chi"], family=False)
    client.get(f"/meetings/{meeting}")
    unfiltered = newest(meeting_app, "view_child")
    client.get(f"/meetings/{meeting}?q=Darren")
    typed = newest(meeting_app, "view_child")
    assert typed.sequence != unfiltered.sequence
    assert typed.details["filtered"]["q"] == ""
    shown = {s["agency"]: s["record_ids"] for s in typed.sources}
    assert shown == {s["agency"]: s["record_ids"] for s in unfiltered.sources}
