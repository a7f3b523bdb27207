"""The first view reads page 1 in windows: it shows what the fetch-all read shows, and draws the timeline on request.

The printout still gathers everything (every event of every agency), so it is the fetch-all answer here:
the same rows (first page of it), the same summary (with the facts derived from events) and, where the
first page read the whole history, the same timeline.
"""

from __future__ import annotations

import itertools
import re

import pytest
from bs4 import BeautifulSoup

from tests.integration.children.conftest import filter_query, open_child, search_chi

HX = {"HX-Request": "true"}
PAGE_SIZE = 50
FILTERS: dict[str, dict[str, object]] = {
    "significant": {},
    "everything": {"show": "all"},
    "until mid 2020": {"show": "all", "to": "2020-06-30"},
    "police and school": {"show": "all", "agency": ["police", "education"]},
    "safe, since 2018": {"shanarri": "safe", "from": "2018-01-01"},
    "words": {"show": "all", "q": "concern"},
}
COMBINATIONS = list(itertools.product(("newest", "oldest"), FILTERS, (1, 2)))


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _rows(soup: BeautifulSoup) -> list[str]:
    return [" ".join(row.get_text(" ", strip=True).split())
            for row in soup.select("[data-testid=chronology-table] tr[data-agency]")]


def _summary(soup: BeautifulSoup) -> dict[str, str]:
    """Each summary field in words, with the restricted notices and the gaps it states."""
    fields = {str(row["data-field"]): " ".join(row.get_text(" ", strip=True).split())
              for row in soup.select("[data-testid=kis] [data-field], [data-testid=safety] [data-field]")}
    fields["notices"] = " | ".join(n.get_text(" ", strip=True) for n in soup.select("[data-testid=restricted-notice]"))
    return fields


def _count(soup: BeautifulSoup) -> str:
    return " ".join(soup.select_one("[data-testid=chronology-count]").get_text(" ", strip=True).split())


def _numbers(soup: BeautifulSoup) -> tuple[int, int]:
    """(entries, matching events) as the count above the table says them."""
    entries = re.search(r"of (?:at least )?([\d,]+) entries", _count(soup))
    matching = soup.select_one("[data-testid=matching-count]").get_text(strip=True)
    return int(entries[1].replace(",", "")) if entries else 0, int(matching.replace(",", ""))


def _check(client, url: str, order: str, name: str, page: int, where: str) -> None:  # type: ignore[no-untyped-def]
    query: dict[str, object] = {**FILTERS[name], "order": order}
    if "q" in query:  # the words are POSTed: the address carries them only as a reference
        query = dict(filter_query(client, url, query))
    printed = _soup(client.get(url.removesuffix("/content") + "/print", query_string=query).get_data(as_text=True))
    # A page is counted in entries (a "same incident" group is one): the pages before it give where it starts.
    before: list[str] = []
    for earlier in range(1, page):
        before += _rows(_soup(client.get(url, query_string={**query, "page": earlier}).get_data(as_text=True)))
    shown = _soup(client.get(url, query_string={**query, "page": page}).get_data(as_text=True))
    entries = _numbers(printed)[0]
    if entries <= (page - 1) * PAGE_SIZE:  # past the end: the last page, as with every page link
        before = []
    rows = _rows(shown)
    assert rows == _rows(printed)[len(before):len(before) + len(rows)], where
    showing = re.search(r"Showing ([\d,]+) to ([\d,]+)", _count(shown))
    on_page = int(showing[2]) - int(showing[1]) + 1 if showing else 0
    assert on_page == min(PAGE_SIZE, entries - (page - 1) * PAGE_SIZE if before else entries), where
    summary, whole_summary = _summary(shown), _summary(printed)
    drawn = shown.select_one("[data-testid=timeline] svg")
    if drawn is None or "agency" in query:
        # Notices for withheld restricted events come from the events read: all of them only when all was read.
        shown_notices, all_notices = summary.pop("notices"), whole_summary.pop("notices")
        assert set(filter(None, shown_notices.split(" | "))) <= set(all_notices.split(" | ")), where
    assert summary == whole_summary, where
    if "at least" not in _count(shown):  # counted when everything was read: the printout's numbers
        assert _numbers(shown) == _numbers(printed), where
    else:  # never more than there are
        assert all(a <= b for a, b in zip(_numbers(shown), _numbers(printed), strict=True)), where
    if drawn is not None:  # the whole history came in the first windows: the printout's timeline
        assert str(drawn) == str(printed.select_one("[data-testid=timeline] svg")), where
    else:
        assert shown.select_one("[data-testid=draw-timeline]") is not None, where


def test_every_cohort_child_first_page_is_the_fetch_all_page(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    child_app.config["FEDERATION_DEADLINE_S"] = 30.0  # both reads complete, or an agency left out shifts rows
    child_app.config["SEARCH_RATE_LIMIT"] = "1000 per minute"  # one search per cohort child, all within a minute
    sign_in("lead.professional")
    children = [c for c in sandbox.cohort if c is not sandbox.child("large")]
    for index, child in enumerate(children):
        answer = search_chi(client, child["chi"])
        assert answer.status_code == 200, f"child {child['chi'][-4:]}: search answered {answer.status_code}"
        results = BeautifulSoup(answer.get_data(as_text=True), "html.parser")
        link = next((a["href"] for a in results.find_all("a") if "Open record" in a.get_text()), None)
        assert link is not None, f"child {child['chi'][-4:]}: the lead professional's search offers the record"
        url = link + "/content"
        for offset in range(2):  # two combinations per child, rotating, so the cohort covers them all
            order, name, page = COMBINATIONS[(index * 2 + offset) % len(COMBINATIONS)]
            _check(client, url, order, name, page, f"child {child['chi'][-4:]}, {order}, {name}, page {page}")


@pytest.mark.parametrize(("order", "name"), list(itertools.product(("newest", "oldest"), FILTERS)))
def test_the_large_history_first_page_is_the_fetch_all_page(child_app, client, sign_in, sandbox,  # type: ignore[no-untyped-def]
                                                            order: str, name: str) -> None:
    child_app.config["FEDERATION_DEADLINE_S"] = 30.0
    sign_in("lead.professional")
    url, _ = open_child(client, sandbox.child("large")["chi"])
    _check(client, url, order, name, 1, f"large child, {order}, {name}")
