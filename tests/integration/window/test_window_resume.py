"""Following "next page" from where the last page stopped gives the fetch-all pages, without re-reading them."""

from __future__ import annotations

import time
from datetime import date

import pytest

from connectors.registry import Registry
from portal.record.merge import ChronologyFilter
from portal.record.merge_window import WindowedView, agency_streams, windowed_chronology
from tests.integration.window.support import DEADLINE_S, fetch_all_events, fetch_all_page, linked_people
from tests.support.sandbox import RunningSandbox

PAGE_SIZE = 10
FILTERS = {
    "everything": ChronologyFilter(significant_only=False),
    "significant": ChronologyFilter(significant_only=True),
    "police and health, since 2016": ChronologyFilter(agencies=frozenset({"police", "health"}),
                                                      date_from=date(2016, 1, 1), significant_only=False),
}


def _walk(registry: Registry, chi: str, criteria: ChronologyFilter, newest_first: bool, pages: int
          ) -> list[WindowedView]:
    """Pages 1..pages, each read from the resume point the one before it gave."""
    connectors = registry.connectors
    people = linked_people(connectors, chi)
    views: list[WindowedView] = []
    resume = None
    for number in range(1, pages + 1):
        agencies = [agency_streams(c, people[c.agency], c.categories) for c in connectors]
        view = windowed_chronology(agencies, criteria, newest_first=newest_first, page=number, page_size=PAGE_SIZE,
                                   deadline=time.monotonic() + DEADLINE_S, resume=resume)
        views.append(view)
        if view.next_page is None:
            break
        resume = view.next_page
    return views


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize("name", list(FILTERS))
def test_each_next_page_is_the_fetch_all_page(sandbox: RunningSandbox, registry: Registry, newest_first: bool,
                                              name: str) -> None:
    chi = sandbox.child("large")["chi"]
    criteria = FILTERS[name]
    views = _walk(registry, chi, criteria, newest_first, pages=12)
    assert len(views) == 12, "the large history has at least 12 pages of ten"
    sources = fetch_all_events(registry.connectors, linked_people(registry.connectors, chi))
    for number, view in enumerate(views, start=1):
        whole = fetch_all_page(sources, criteria, newest_first=newest_first, page=number, page_size=PAGE_SIZE)
        assert view.page.number == number
        assert view.page.items == whole.page.items, f"page {number}"
        assert view.page.has_next == whole.page.has_next, f"page {number}"
        if not view.counts_exact:  # "at least": never more than there are
            assert view.matching_events <= whole.matching_events


def test_a_later_page_reads_from_its_resume_point_not_from_the_start(sandbox: RunningSandbox,
                                                                     registry: Registry) -> None:
    views = _walk(registry, sandbox.child("large")["chi"], FILTERS["everything"], True, pages=12)
    last = views[-1]
    first_offsets = [w.offset for stats in last.stats for w in stats.windows[:1]]
    assert max(first_offsets) > 0, "page 12 starts reading part-way into the history"
    read_for_last = sum(stats.items_sent for stats in last.stats)
    read_for_first = sum(stats.items_sent for stats in views[0].stats)
    assert read_for_last < 3 * read_for_first, "page 12 costs about what page 1 costs, not twelve times as much"


def test_every_cohort_child_walks_to_its_last_page(sandbox: RunningSandbox, registry: Registry) -> None:
    for child in [c for c in sandbox.cohort if "large" not in c["tags"]][:12]:
        chi = child["chi"]
        views = _walk(registry, chi, FILTERS["everything"], False, pages=50)
        sources = fetch_all_events(registry.connectors, linked_people(registry.connectors, chi))
        whole_first = fetch_all_page(sources, FILTERS["everything"], newest_first=False, page=1, page_size=PAGE_SIZE)
        assert len(views) == whole_first.page.total_pages, chi[-4:]
        for number, view in enumerate(views, start=1):
            whole = fetch_all_page(sources, FILTERS["everything"], newest_first=False, page=number,
                                   page_size=PAGE_SIZE)
            assert view.page.items == whole.page.items, f"child {chi[-4:]} page {number}"
        assert views[-1].page.total_items == whole_first.page.total_items
