"""The first view reads page 1 in windows: it shows what the fetch-all read shows, and draws the timeline on request.

The printout still gathers everything (every event of every agency), so it is the fetch-all answer here:
the same rows (first page of it), the same summary (with the facts derived from events) and, where the
first page read the whole history, the same timeline.
"""

from __future__ import annotations

import itertools

import pytest
from bs4 import BeautifulSoup

from tests.integration.children.conftest import open_child

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


def _check(client, url: str, order: str, name: str, page: int, where: str) -> None:  # type: ignore[no-untyped-def]
    query = {**FILTERS[name], "order": order}
    shown = _soup(client.get(url, query_string={**query, "page": page}).get_data(as_text=True))
    printed = _soup(client.get(url.removesuffix("/content") + "/print", query_string=query).get_data(as_text=True))
    whole = _rows(printed)
    assert _rows(shown) == whole[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], where
    assert _summary(shown) == _summary(printed), where
    counted = _count(shown)
    if "at least" not in counted:  # counted when everything was read: the printout's numbers
        total = len(whole)
        assert f"of {total} entries" in counted or (total == 0 and "No events match" in counted), where
    drawn = shown.select_one("[data-testid=timeline] svg")
    if drawn is not None:  # the whole history came in the first windows: the printout's timeline
        assert str(drawn) == str(printed.select_one("[data-testid=timeline] svg")), where
    else:
        assert shown.select_one("[data-testid=draw-timeline]") is not None, where


def test_every_cohort_child_first_page_is_the_fetch_all_page(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    child_app.config["FEDERATION_DEADLINE_S"] = 30.0  # both reads complete, or an agency left out shifts rows
    sign_in("lead.professional")
    children = [c for c in sandbox.cohort if c is not sandbox.child("large")]
    for index, child in enumerate(children):
        url, _ = open_child(client, child["chi"])
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
