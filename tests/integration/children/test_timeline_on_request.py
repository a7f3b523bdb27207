"""A long history's first page offers the timeline instead of drawing it; drawing it is its own audited read."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from portal.audit.queries import search_entries
from portal.extensions import audit_db
from tests.integration.children.conftest import open_child, search_chi

HX = {"HX-Request": "true"}


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _entries(child_app, chi: str, event_type: str) -> list:  # type: ignore[no-untyped-def]
    with child_app.app_context():
        return search_entries(audit_db.engine, child=chi, event_type=event_type)


def test_a_long_history_offers_the_timeline_and_draws_it_when_asked(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    child_app.config["FEDERATION_DEADLINE_S"] = 30.0
    sign_in("lead.professional")
    chi = sandbox.child("large")["chi"]
    url, html = open_child(client, chi)
    first = _soup(client.get(url, query_string={"show": "all"}).get_data(as_text=True))
    assert first.select_one("[data-testid=timeline] svg") is None, "not drawn: the first page read only its windows"
    offer = first.select_one("[data-testid=timeline-offer]")
    holdings = {li["data-agency"]: li.get_text(" ", strip=True)
                for li in offer.select("[data-testid=timeline-holdings] li")}
    # Every agency where the child is linked (the police record, without a CHI, is only offered for confirmation).
    assert set(holdings) == {"health", "social_work", "education", "scra"}
    button = offer.select_one("[data-testid=draw-timeline]")
    assert button.get_text(strip=True).startswith("Draw the timeline of all")
    assert button["href"] == button["hx-get"] and button["hx-target"] == "#timeline"
    assert parse_qs(urlsplit(button["href"]).query)["show"] == ["all"], "the filters on screen go with it"
    assert first.select_one("#timeline-announce[role=status]") is not None

    before = len(_entries(child_app, chi, "view_timeline"))
    drawn = client.get(button["href"], headers=HX)
    assert drawn.status_code == 200
    fragment = _soup(drawn.get_data(as_text=True))
    figure = fragment.select_one("figure#timeline[data-testid=timeline]")
    assert figure is not None and figure.select_one("svg") is not None
    assert figure["tabindex"] == "-1", "focus moves to the timeline when it arrives"
    lanes = {li["data-agency"]: int(li.get_text(" ", strip=True).split(": ")[1].split(" ")[0])
             for li in figure.select("[data-testid=timeline-list] li")}
    announced = fragment.select_one("#timeline-announce[hx-swap-oob]").get_text(strip=True)
    assert announced == f"The timeline of {sum(lanes.values()):,} events has been drawn."

    entries = _entries(child_app, chi, "view_timeline")
    assert len(entries) == before + 1
    entry = max(entries, key=lambda e: e.sequence)
    listed = {source["agency"]: len(source["record_ids"]) for source in entry.sources}
    assert {agency: count for agency, count in listed.items() if count} == {a: c for a, c in lanes.items() if c}
    assert entry.details["filtered"]["show"] == "all"

    whole = _soup(client.get(button["href"]).get_data(as_text=True))  # without JavaScript: a page of its own
    assert whole.select_one("[data-testid=timeline] svg") is not None
    assert whole.select_one("[data-testid=back-to-record]")["href"].startswith(url)


def test_an_ordinary_history_is_drawn_at_once_from_what_the_first_page_read(child_app, client, sign_in,  # type: ignore[no-untyped-def]
                                                                          sandbox) -> None:
    sign_in("lead.professional")
    _, html = open_child(client, sandbox.child("multi_agency")["chi"])
    page = _soup(html)
    assert page.select_one("[data-testid=timeline] svg") is not None
    assert page.select_one("[data-testid=timeline-offer]") is None


def test_a_refused_user_gets_no_timeline(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("teacher")
    child = sandbox.child("multi_agency")  # the teacher holds no relationship with the multi-agency stories
    results = _soup(search_chi(client, child["chi"]).get_data(as_text=True))
    link = next(a["href"] for a in results.find_all("a") if "Open record" in a.get_text())
    refusals = len(_entries(child_app, child["chi"], "refused"))
    answer = client.get(link + "/timeline", headers=HX)
    assert answer.status_code == 403
    assert _soup(answer.get_data(as_text=True)).select_one("[data-testid=timeline]") is None
    assert len(_entries(child_app, child["chi"], "refused")) == refusals + 1
    assert _entries(child_app, child["chi"], "view_timeline") == []
