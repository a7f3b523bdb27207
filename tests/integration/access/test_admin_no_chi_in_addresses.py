"""The admin's relationships list never carries a CHI in its address: the child filter is POSTed, and the list
(its pages, and where adding or ending a relationship returns to) is addressed by an opaque, session-bound
reference. Browser history, proxy and server logs are not access-controlled."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.conftest import TEST_PASSWORD, extract_csrf
from tests.integration.access.conftest import relationships_for
from tests.integration.access.test_admin_relationships import CHI, HEADER, _add, _upload


def _soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _rows(page: BeautifulSoup) -> int:
    return len(page.select("[data-testid=relationships-table] tbody tr"))


def test_the_child_filter_is_posted_and_its_list_and_pages_carry_no_chi(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    form = _soup(client.get("/admin/relationships")).select_one("[data-testid=filter-form]")
    assert form["method"] == "post"
    team = "team_around_child,team,,social_work,Children and Families East"
    rows = [f"{CHI},{team},2024-01-{n:02d}," for n in range(1, 28)]
    assert _upload(client, HEADER + "\n".join(rows)).status_code == 302
    listing = relationships_for(client, CHI)
    assert CHI not in listing.request.url
    page = _soup(listing)
    assert _rows(page) == 25 and "27 relationships" in page.select_one("caption").get_text()
    following = page.select_one("[data-testid=pagination] a[rel=next]")["href"]
    assert CHI not in following
    assert _rows(_soup(client.get(following))) == 2  # the next page keeps the child filter


def test_adding_returns_to_the_childs_list_by_reference(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    added = _add(client)
    assert added.status_code == 302
    assert CHI not in added.headers["Location"]
    page = _soup(client.get(added.headers["Location"]))
    assert _rows(page) == 1
    assert page.select_one("#filter-chi")["value"] == CHI  # the filter is shown in the form, not the address


def test_a_chi_in_the_address_or_another_sessions_reference_filters_nothing(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    _add(client)
    _add(client, chi="0101011237")
    assert _rows(_soup(client.get(f"/admin/relationships?chi={CHI}"))) == 2  # not read from the address
    filtered = relationships_for(client, CHI).request.url
    other = app.test_client()
    csrf = extract_csrf(other.get("/sign-in").get_data(as_text=True))
    other.post("/sign-in", data={"username": "admin", "password": TEST_PASSWORD, "csrf_token": csrf})
    page = _soup(other.get(filtered))
    assert "enter the CHI number again" in page.select_one(".govuk-error-summary").get_text()
    assert _rows(page) == 2
