"""No CHI in an IG address: the trail search, who-has-viewed and export forms are POSTed, and the search results
live at an opaque reference bound to the officer's session (browser history and server logs keep no CHI)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from portal.audit.queries import search_entries
from portal.extensions import audit_db
from tests.conftest import TEST_PASSWORD, extract_csrf
from tests.support.ig_forms import search_trail, who_viewed
from tests.unit.ig.conftest import CHILD_CHI, view


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_every_ig_form_that_takes_a_chi_is_posted(ig_client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/ig/audit", "/ig/who-viewed", "/ig/exports"):
        chi_field = _soup(ig_client.get(path).get_data(as_text=True)).find("input", attrs={"name": "chi"})
        assert chi_field is not None, path
        assert chi_field.find_parent("form")["method"] == "post", path


def test_trail_search_results_and_their_pages_carry_no_chi(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    seed(*[view("health.visitor", CHILD_CHI) for _ in range(30)])
    response = search_trail(ig_client, f"chi={CHILD_CHI}&user=health.visitor")
    assert response.status_code == 200
    assert CHILD_CHI not in response.request.url and "health.visitor" not in response.request.url
    page = _soup(response.get_data(as_text=True))
    assert page.select("[data-testid=trail-results]")
    links = [a["href"] for a in page.find_all("a", href=True)]
    assert any("page=2" in href for href in links)
    assert [href for href in links if CHILD_CHI in href] == []
    assert search_entries(audit_db, event_type="audit_read")[0].subject_chi == CHILD_CHI


def test_a_chi_typed_into_the_address_searches_nothing(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    seed(view("health.visitor", CHILD_CHI))
    page = _soup(ig_client.get(f"/ig/audit?chi={CHILD_CHI}").get_data(as_text=True))
    assert page.select("[data-testid=trail-results]") == []
    assert search_entries(audit_db, event_type="audit_read") == []


def test_a_search_reference_from_another_session_opens_nothing(app, ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    seed(view("health.visitor", CHILD_CHI))
    address = search_trail(ig_client, f"chi={CHILD_CHI}").request.url
    other = app.test_client()  # the same officer signed in elsewhere: another session, another reference key
    csrf = extract_csrf(other.get("/sign-in").get_data(as_text=True))
    assert other.post("/sign-in", data={"username": "ig.officer", "password": TEST_PASSWORD,
                                        "csrf_token": csrf}).status_code == 302
    response = other.get(address)
    assert response.status_code == 404
    assert "search again" in response.get_data(as_text=True)
    assert len(search_entries(audit_db, event_type="audit_read")) == 1  # only the first, real search


def test_who_viewed_report_and_its_csv_carry_no_chi_in_any_address(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    seed(view("health.visitor", CHILD_CHI))
    response = who_viewed(ig_client, CHILD_CHI)
    assert response.status_code == 200
    page = _soup(response.get_data(as_text=True))
    assert page.select_one("[data-testid=who-viewed-report]") is not None
    assert [a["href"] for a in page.find_all("a", href=True) if CHILD_CHI in a["href"]] == []
    download = next(f for f in page.find_all("form") if "Download as CSV" in f.get_text())
    assert download["method"] == "post" and CHILD_CHI not in download["action"]
    fields = {i["name"]: i["value"] for i in download.find_all("input")}
    csv = ig_client.post(download["action"], data=fields)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert search_entries(audit_db, event_type="audit_export")[0].subject_chi == CHILD_CHI


def test_the_export_is_refused_without_the_forms_csrf_token(ig_client) -> None:  # type: ignore[no-untyped-def]
    csrf = extract_csrf(ig_client.get("/ig/exports").get_data(as_text=True))
    assert ig_client.post("/ig/exports/download", data={"format": "csv"}).status_code == 400
    assert ig_client.post("/ig/exports/download", data={"format": "csv", "csrf_token": csrf}).status_code == 200
