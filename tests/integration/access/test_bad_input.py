"""Bad input anywhere gets a clear GOV.UK message and a 4xx, never a server error (no agency is asked here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from tests.conftest import extract_csrf
from tests.integration.access.conftest import child_token, give_relationship, identity_offer
from tests.support.ig_forms import download_export, search_trail

CHI = "1904851231"
HUGE = "9" * 23


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ")


def _summary(response) -> str:  # type: ignore[no-untyped-def]
    found = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(".govuk-error-summary")
    assert found is not None, "no error summary on the page"
    return found.get_text(" ")


def test_search_date_of_birth_with_an_overflowing_year(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    csrf = extract_csrf(client.get("/children/search").get_data(as_text=True))
    for day, month, year in (("1", "2", HUGE), (HUGE, "2", "2015"), ("1", "²", "2015")):
        response = client.post("/children/search", data={"surname": "Smith", "dob-day": day, "dob-month": month,
                                                          "dob-year": year, "purpose": "child_protection",
                                                          "csrf_token": csrf})
        assert response.status_code == 400
        assert "Date of birth must be" in _summary(response)


@pytest.mark.parametrize(("params", "message"), [
    ({"from-day": "1", "from-month": "1", "from-year": HUGE}, "Date from must be a real date"),
    ({"to-day": "31", "to-month": "12", "to-year": "9999"}, "Date to must be between 1900 and 2100"),
    ({"to-day": HUGE, "to-month": "12", "to-year": "2024"}, "Date to must be a real date"),
    ({"organisation": "x" * 101}, "100 characters or fewer"),
    ({"page": "²"}, "Page must be a whole number"),
])
def test_ig_trail_search_explains_bad_dates_and_pages(app, client, sign_in, params, message: str) -> None:  # type: ignore[no-untyped-def]
    sign_in("ig.officer")
    fields = {key: value for key, value in params.items() if key != "page"}
    response = search_trail(client, urlencode({"user": "teacher", **fields}))
    if "page" in params:  # the page is in the results' address, beside their opaque reference
        response = client.get(f"{response.request.url}&{urlencode({'page': params['page']})}")
    assert response.status_code == 200  # the form again, with what to correct; nothing was read
    assert message in _summary(response)
    assert not BeautifulSoup(response.get_data(as_text=True), "html.parser").select("[data-testid=trail-results]")


def test_ig_export_since_date_overflow_is_explained(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("ig.officer")
    response = download_export(client, f"format=csv&since-day=1&since-month=1&since-year={HUGE}")
    assert response.status_code == 400
    assert "Since must be" in _summary(response)


def test_admin_relationship_dates_and_list_page(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    page = BeautifulSoup(client.get("/admin/relationships").get_data(as_text=True), "html.parser")
    holder = str(page.select("#holder option")[1]["value"])
    response = client.post("/admin/relationships", data={
        "csrf_token": extract_csrf(str(page)), "chi": CHI, "basis": "named_person", "holder": holder,
        "starts-day": "1", "starts-month": "9", "starts-year": HUGE})
    assert response.status_code == 400
    assert "Start date must be a real date" in _summary(response)
    listing = client.get("/admin/relationships", query_string={"page": "²"})
    assert listing.status_code == 200
    assert "Page must be a whole number" in _summary(listing)


def test_sso_callback_without_sso_goes_to_the_sign_in_page(app, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sign-in/sso/callback", query_string={"code": "x", "state": "y"})
    assert response.status_code == 302
    assert response.location.endswith("/sign-in")


def test_an_identity_decision_with_an_oversized_record_id_is_refused(access_app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    app = access_app
    with app.app_context():
        give_relationship("lead.professional", CHI, starts=datetime.now(UTC) - timedelta(days=1))
    sign_in("lead.professional")
    token = child_token(app, "lead.professional", CHI, client=client)
    csrf = extract_csrf(client.get("/children/search").get_data(as_text=True))
    for source_id in ("x" * 201, "y" * 4_000):
        response = client.post(f"/children/{token}/identity", data={
            "agency": "police", "source_id": source_id, "decision": "confirm", "csrf_token": csrf})
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert "names no record this portal offered" in _text(response)
    offer = identity_offer(app, "lead.professional", token, "police", "PS-000001", client=client)
    accepted = client.post(f"/children/{token}/identity", data={
        "agency": "police", "source_id": "PS-000001", "decision": "confirm", "csrf_token": csrf, "offer": offer})
    assert accepted.status_code == 302


def test_any_value_longer_than_the_limit_is_refused_before_a_view_sees_it(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("ig.officer")
    response = client.get("/ig/audit", query_string={"user": "z" * 200_000})
    assert response.status_code == 400
    assert "too long" in _text(response)
