"""Turning chronology pages reads on from where the page stopped, and shows what the whole record would."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from tests.integration.children.conftest import open_child

HX = {"HX-Request": "true"}


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _rows(soup: BeautifulSoup) -> list[str]:
    return [" ".join(row.get_text(" ", strip=True).split())
            for row in soup.select("[data-testid=chronology-table] tr[data-agency]")]


def _at_least(count: str) -> tuple[int, int]:
    """(entries, matching events) from "Showing 51 to 100 of at least 154 entries (at least 160 events match)"."""
    found = re.search(r"of at least ([\d,]+) entries \(at least ([\d,]+) events", count)
    assert found is not None, count
    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))


def _next(soup: BeautifulSoup) -> str:
    link = soup.select_one("a[rel=next]")
    assert link is not None, "there is a next page"
    return str(link["hx-get"])


def _page_turn_entries(child_app, chi: str) -> list:  # type: ignore[no-untyped-def]
    from portal.audit.queries import search_entries
    from portal.extensions import audit_db

    with child_app.app_context():
        return search_entries(audit_db.engine, child=chi, event_type="chronology_page")


def test_next_pages_in_windows_are_the_pages_of_the_whole_record(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    # Both reads must be complete to compare: on a loaded machine the fetch-all read of 4,000 events can miss the
    # usual 3 s deadline, and an agency left out would shift its pages.
    child_app.config["FEDERATION_DEADLINE_S"] = 30.0
    sign_in("lead.professional")
    chi = sandbox.child("large")["chi"]
    url, html = open_child(client, chi)
    page = _soup(html)
    counted = page.select_one("[data-testid=chronology-count]").get_text(" ", strip=True)
    for number in (2, 3, 4):
        link = _next(page)
        assert "at=" in link, "the next page continues from where this one stopped"
        turned = client.get(link, headers=HX)
        assert turned.status_code == 200
        page = _soup(turned.get_data(as_text=True))
        whole = _soup(client.get(url, query_string={"page": number}).get_data(as_text=True))
        assert _rows(page) == _rows(whole), f"page {number}"
        assert f"Page {number} of" in page.get_text()
        assert not page.select("[data-testid=chronology-incomplete]") and not whole.select(
            "[data-testid=chronology-incomplete]")
        # Page 1 read in windows says "at least N": a later page, having read further, never says less.
        now = page.select_one("[data-testid=chronology-count]").get_text(" ", strip=True)
        assert "at least" in counted and "at least" in now
        assert _at_least(now) >= _at_least(counted), f"page {number}"
        assert turned.headers["HX-Push-Url"].endswith(f"page={number}"), "the address says which page, no reference"
        # The timeline does not change with the page: the browser keeps the one it has.
        assert page.select_one("#timeline")["hx-preserve"] == "true"


def test_a_page_turn_is_audited_with_the_records_shown_and_the_windows_asked(child_app, client, sign_in,  # type: ignore[no-untyped-def]
                                                                             sandbox) -> None:
    sign_in("lead.professional")
    chi = sandbox.child("large")["chi"]
    _, html = open_child(client, chi)
    before = len(_page_turn_entries(child_app, chi))
    page = _soup(client.get(_next(_soup(html)), headers=HX).get_data(as_text=True))
    entries = _page_turn_entries(child_app, chi)
    assert len(entries) == before + 1
    entry = max(entries, key=lambda e: e.sequence)
    window = entry.details["window"]
    shown = {(row["data-agency"]) for row in page.select("[data-testid=chronology-table] tr[data-agency]")}
    assert shown <= set(window)
    assert sum(len(window[a].get("shown", [])) for a in window) == len(_rows(page))
    asked = [a for detail in window.values() for a in detail.get("asked", [])]
    assert asked and all(a["order"] == "newest first" and a["limit"] > 0 for a in asked)
    sent = sum(detail.get("items_sent", 0) for detail in window.values())
    assert 0 < sent < 1000, "the agencies sent a few pages' worth of their 4,000 events, not everything"
    assert entry.details["page"] == 2


def test_a_tampered_or_foreign_page_link_is_refused_cleanly(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    chi = sandbox.child("large")["chi"]
    _, html = open_child(client, chi)
    link = _next(_soup(html))
    parts = urlsplit(link)
    query = parse_qs(parts.query)
    at = query["at"][0]
    tampered = link.replace(at, at[:-6] + ("A" if at[-6] != "A" else "B") + at[-5:])
    other_filters = link + "&agency=health"  # a reference made for other filters
    other_page = link.replace("page=2", "page=7")
    for bad in (tampered, other_filters, other_page, parts.path + "?page=2&at=not-a-reference"):
        response = client.get(bad, headers=HX)
        assert response.status_code == 400, bad
        assert "That link to a chronology page is not valid here" in response.get_data(as_text=True)
    assert client.get(link, headers=HX).status_code == 200, "the link as issued still works"


def test_an_agency_failing_during_a_page_turn_costs_only_its_part(child_app, client, sign_in, sandbox,  # type: ignore[no-untyped-def]
                                                                  faults) -> None:
    sign_in("lead.professional")
    _, html = open_child(client, sandbox.child("large")["chi"])
    link = _next(_soup(html))
    faults("education", "error500")
    turned = client.get(link, headers=HX)
    assert turned.status_code == 200
    page = _soup(turned.get_data(as_text=True))
    assert "Page 2 of" in page.get_text()
    rows = page.select("[data-testid=chronology-table] tr[data-agency]")
    assert rows and "education" not in {row["data-agency"] for row in rows}
    notice = page.select_one("[data-testid=chronology-incomplete] [data-agency=education]")
    assert notice is not None, "the page says education's part is missing"
