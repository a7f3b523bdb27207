"""Confirm / Reject decides only a candidate record the child's page offered, on that page, in that session.

Nothing from a candidate is shown, but the audit trail says which record the practitioner confirmed: a decision on
a record the page never offered (another child's, typed in by hand) must not reach the trail as a confirmation.
"""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from portal.audit.queries import search_entries
from portal.extensions import audit_db
from tests.conftest import extract_csrf


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _open_by_name(client: FlaskClient, child: dict[str, str]) -> tuple[str, BeautifulSoup]:
    """Search by name and date of birth, open the child; returns (child page URL, its content)."""
    born = date.fromisoformat(child["birth_date"])
    csrf = extract_csrf(client.get("/children/search").get_data(as_text=True))
    results = client.post("/children/search", data={
        "forename": child["forename"], "surname": child["surname"], "dob-day": str(born.day),
        "dob-month": str(born.month), "dob-year": str(born.year), "purpose": "child_protection",
        "csrf_token": csrf}, follow_redirects=True)
    link = next(a for a in _soup(results.get_data(as_text=True)).find_all("a") if "Open record" in a.get_text())
    return link["href"], _soup(client.get(link["href"] + "/content").get_data(as_text=True))


def _offered_form(page: BeautifulSoup) -> tuple[str, dict[str, str]]:
    form = page.select_one("[data-testid=candidates] form")
    assert form is not None, "no candidate offered on the page"
    return form["action"], {i["name"]: i.get("value", "") for i in form.find_all("input")}


def _flow_state(page: BeautifulSoup, agency: str) -> str:
    return str(page.select_one(f"[data-testid=data-flows] tr[data-agency={agency}]")["data-state"])


def _decisions(app, chi: str) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return [e.event_type for e in search_entries(audit_db, child=chi)
                if e.event_type in ("identity_confirm", "identity_reject")]


def test_confirming_a_record_the_page_did_not_offer_is_refused_and_audited(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox) -> None:
    sign_in("lead.professional")
    child = sandbox.child("no_chi_police")
    url, page = _open_by_name(client, child)
    action, fields = _offered_form(page)
    assert fields["agency"] == "police"
    # The same form, its record id swapped for one the page never showed (say, another child's police record).
    forged = {**fields, "source_id": fields["source_id"] + "9", "decision": "confirm"}
    refused = client.post(action, data=forged)
    assert refused.status_code == 400
    assert "Location" not in refused.headers
    assert "names no record this portal offered" in _soup(refused.get_data(as_text=True)).get_text(" ")
    no_offer = {key: value for key, value in fields.items() if key != "offer"} | {"decision": "confirm"}
    assert client.post(action, data=no_offer).status_code == 400  # the form as it was before offers
    assert _decisions(child_app, child["chi"]) == []
    with child_app.app_context():
        invalid = search_entries(audit_db, event_type="refused", user="lead.professional")
    assert [e.details["reference"] for e in invalid[:2] if e.details] == [
        "identity decision on a record the page did not offer"] * 2
    still = _soup(client.get(url + "/content").get_data(as_text=True))
    assert _flow_state(still, "police") == "no_record"  # nothing was linked

    confirmed = client.post(action, data={**fields, "decision": "confirm"})  # the offered pair still confirms
    assert confirmed.status_code == 302
    assert _decisions(child_app, child["chi"]) == ["identity_confirm"]


def test_an_offer_made_on_one_childs_page_does_not_decide_on_anothers(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox) -> None:
    sign_in("lead.professional")
    child = sandbox.child("no_chi_police")
    _, page = _open_by_name(client, child)
    _, fields = _offered_form(page)
    other = next(c for c in sandbox.cohort if c.get("chi") and c["chi"] != child.get("chi"))
    other_url, _ = _open_by_name(client, other)
    moved = client.post(other_url + "/identity", data={**fields, "decision": "confirm"})
    assert moved.status_code == 400
    with child_app.app_context():
        assert search_entries(audit_db, event_type="identity_confirm", user="lead.professional") == []
