"""Every kind of refusal writes exactly one audit entry, IG can find it, and probing cannot flood the trail.

No agency is asked in any of these: each is refused before a record would be gathered.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import extract_csrf
from tests.integration.access.conftest import child_token, search_token
from tests.support.ig_forms import search_trail

CHI = "0101011237"  # valid, made up; nobody has a relationship with this child


def _refusals(app: Flask) -> list:  # type: ignore[type-arg]
    from portal.audit.queries import search_entries
    from portal.extensions import audit_db

    with app.app_context():
        return search_entries(audit_db.engine, event_type="refused", limit=1000)


def _tampered(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]


def _forged_purpose(app: Flask, username: str) -> str:
    """A link the portal's own key signed, carrying a purpose the portal does not know (only a forger has one)."""
    from portal.children.reference import ChildReference, encode_reference
    from tests.integration.access.conftest import user_named

    with app.app_context():
        user_id = user_named(username).id
    return encode_reference(ChildReference(chi=CHI, purpose="curiosity", user_id=user_id), app.config["SECRET_KEY"])


REFERENCE_CASES: dict[str, Callable[[Flask], str]] = {
    "unknown": lambda app: "not-a-link-the-portal-issued",
    "tampered": lambda app: _tampered(child_token(app, "lead.professional", CHI)),
    "another user's": lambda app: child_token(app, "health.visitor", CHI),
    "unknown purpose": lambda app: _forged_purpose(app, "lead.professional"),
}


@pytest.mark.parametrize("kind", sorted(REFERENCE_CASES))
@pytest.mark.parametrize("suffix", ["", "/content", "/chronology"])
def test_an_invalid_child_link_is_refused_and_audited_once_without_a_chi(  # type: ignore[no-untyped-def]
        app, client, sign_in, kind: str, suffix: str) -> None:
    sign_in("lead.professional")
    before = len(_refusals(app))
    response = client.get(f"/children/{REFERENCE_CASES[kind](app)}{suffix}")
    assert response.status_code == 404
    refusals = _refusals(app)
    assert len(refusals) == before + 1
    entry = refusals[0]
    assert entry.outcome_text == "refused: invalid reference"
    assert entry.subject_chi is None
    assert entry.user_id == "lead.professional"


def test_an_invalid_link_to_start_a_meeting_is_refused_and_audited_once(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    before = len(_refusals(app))
    foreign = REFERENCE_CASES["another user's"](app)
    assert client.get(f"/meetings/new/{foreign}").status_code == 404
    refusals = _refusals(app)
    assert len(refusals) == before + 1
    assert refusals[0].outcome_text == "refused: invalid reference" and refusals[0].subject_chi is None


SEARCH_LINK_CASES: dict[str, Callable[[Flask, FlaskClient], str]] = {
    "unknown": lambda app, client: "not-a-link-the-portal-issued",
    "tampered": lambda app, client: _tampered(search_token(app, "lead.professional", CHI, client=client)),
    "another session's": lambda app, client: search_token(app, "lead.professional", CHI),
    "another user's": lambda app, client: search_token(app, "health.visitor", CHI, client=client),
}


@pytest.mark.parametrize("kind", sorted(SEARCH_LINK_CASES))
def test_an_invalid_results_link_is_refused_and_audited_once_without_a_chi(  # type: ignore[no-untyped-def]
        app, client, sign_in, kind: str) -> None:
    sign_in("lead.professional")
    before = len(_refusals(app))
    assert client.get(f"/children/results/{SEARCH_LINK_CASES[kind](app, client)}").status_code == 404
    refusals = _refusals(app)
    assert len(refusals) == before + 1
    assert refusals[0].outcome_text == "refused: invalid reference"
    assert refusals[0].details["route"] == "results"
    assert refusals[0].subject_chi is None
    assert refusals[0].user_id == "lead.professional"


def test_invalid_searches_are_refused_and_audited_once(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    for form, wrong in (({"chi": CHI}, ["purpose"]),
                        ({"chi": "1234567890", "purpose": "child_protection"}, ["chi"]),
                        ({"surname": "Smith", "dob-day": "1", "dob-month": "2", "dob-year": "9" * 23,
                          "purpose": "child_protection"}, ["dob-day"])):
        before = len(_refusals(app))
        response = client.post("/children/search", data={**form, "csrf_token": token})
        assert response.status_code == 400
        refusals = _refusals(app)
        assert len(refusals) == before + 1
        assert refusals[0].outcome_text == "refused: invalid search"
        assert refusals[0].details["invalid_fields"] == wrong
        assert refusals[0].subject_chi is None
        assert "9" * 23 not in str(refusals[0].details), "what was typed is not kept"


def test_an_invalid_break_glass_request_is_refused_and_audited_once(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("teacher")
    token = child_token(app, "teacher", CHI, client=client)
    csrf = extract_csrf(client.get("/children/search").get_data(as_text=True))
    for form, message in (({"reason": "", "justification": "x" * 40}, "Select why this is an emergency"),
                          ({"reason": "immediate_risk", "justification": "too short"}, "at least"),
                          ({"reason": "immediate_risk", "justification": "y" * 2001},
                           "Explanation must be 2000 characters or fewer")):
        before = len(_refusals(app))
        response = client.post(f"/children/{token}/break-glass", data={**form, "csrf_token": csrf})
        assert response.status_code == 400
        assert message in BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text()
        refusals = _refusals(app)
        assert len(refusals) == before + 1
        assert refusals[0].outcome_text == "refused: invalid break-glass request"
        assert refusals[0].subject_chi == CHI


def test_ig_finds_refusals_in_the_trail_search(app: Flask, sign_in) -> None:  # type: ignore[no-untyped-def]
    from tests.support.accounts import TEST_PASSWORD

    practitioner = app.test_client()
    page = practitioner.get("/sign-in").get_data(as_text=True)
    practitioner.post("/sign-in", data={"username": "lead.professional", "password": TEST_PASSWORD,
                                        "csrf_token": extract_csrf(page)})
    assert practitioner.get("/children/forged-link").status_code == 404
    ig: FlaskClient = sign_in("ig.officer")
    results = BeautifulSoup(search_trail(ig, "event_type=refused&user=lead.professional").get_data(as_text=True),
                            "html.parser")
    rows = results.select("[data-testid=trail-results] tbody tr")
    assert len(rows) == 1 and "Access refused" in rows[0].get_text(" ")
    detail = ig.get(rows[0].select_one("a")["href"]).get_data(as_text=True)
    assert "refused: invalid reference" in BeautifulSoup(detail, "html.parser").get_text(" ")


def test_probing_cannot_flood_the_trail(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    app.config["REFUSAL_RATE_LIMIT"] = "3 per minute"
    sign_in("lead.professional")
    before = len(_refusals(app))
    statuses = [client.get(f"/children/forged-link-{n}").status_code for n in range(6)]
    assert statuses == [404, 404, 404, 429, 429, 429]
    assert len(_refusals(app)) == before + 3
    assert client.get("/children/forged-link-7").status_code == 429
