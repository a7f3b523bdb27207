"""A chronology page read in windows is the page read whole: same entries, order, grouping and counts."""

from __future__ import annotations

import itertools
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import date

import pytest

from connectors.models import ChronologyEvent, PersonRecord
from connectors.registry import Registry
from portal.record.merge import ChronologyFilter
from tests.integration.window.support import fetch_all_events, fetch_all_page, linked_people, windowed_page
from tests.support.sandbox import RunningSandbox

PAGE_SIZE = 10
FILTERS = {
    "everything": ChronologyFilter(significant_only=False),
    "significant": ChronologyFilter(significant_only=True),
    "until 2020": ChronologyFilter(significant_only=False, date_to=date(2020, 6, 30)),
    "police and school": ChronologyFilter(agencies=frozenset({"police", "education"}), significant_only=False),
    "safe, since 2018": ChronologyFilter(shanarri=frozenset({"safe"}), date_from=date(2018, 1, 1)),
    "text": ChronologyFilter(text="concern", significant_only=False),
}
# Every order, filter and page (the first, the second, one deep in the history) is tried somewhere in the cohort.
COMBINATIONS = list(itertools.product((True, False), FILTERS, (1, 2, 7)))


_WHOLE: dict[str, tuple[dict[str, list[PersonRecord]], list[list[ChronologyEvent]]]] = {}


def _assert_same(registry: Registry, chi: str, newest_first: bool, name: str, page: int,
                 executor: Executor | None = None) -> None:
    connectors = registry.connectors
    if chi not in _WHOLE:  # the fetch-all answer is read once per child; each window is read afresh
        people = linked_people(connectors, chi)
        _WHOLE[chi] = people, fetch_all_events(connectors, people)
    people, sources = _WHOLE[chi]
    criteria = FILTERS[name]
    whole = fetch_all_page(sources, criteria, newest_first=newest_first, page=page, page_size=PAGE_SIZE)
    window = windowed_page(connectors, people, criteria, newest_first=newest_first, page=page, page_size=PAGE_SIZE,
                           executor=executor)
    where = f"child {chi[-4:]}, {'newest' if newest_first else 'oldest'} first, {name}, page {page}"
    assert window.page.items == whole.page.items, where
    assert window.page.number == whole.page.number, where
    assert window.page.has_next == whole.page.has_next, where
    # The audit lists per agency the record ids on the page and the windows asked for.
    details = window.audit_details()
    shown = [e for entry in whole.page.items for e in getattr(entry, "events", (entry,))]
    for agency in {e.agency for e in shown}:
        assert details[agency]["shown"] == [e.source_record_id for e in shown if e.agency == agency], where
    assert all(a["order"] == ("newest first" if newest_first else "oldest first")
               for d in details.values() for a in d["asked"]), where
    if not window.page.has_next:  # the last page: everything was read, so the entries are counted
        assert window.page.total_items == whole.page.total_items, where
    if window.counts_exact:
        assert window.matching_events == whole.matching_events, where
    else:  # "at least N", and never more than the sources' own totals
        assert window.matching_events <= whole.matching_events, where
        assert window.matching_at_most is None or whole.matching_events <= window.matching_at_most, where


def test_every_cohort_child_gets_the_same_page_either_way(sandbox: RunningSandbox, registry: Registry) -> None:
    children = sandbox.cohort
    assert len(children) >= len(COMBINATIONS) // 3
    for index, child in enumerate(children):
        # Three combinations per child, rotating, so the cohort as a whole covers all of them.
        for offset in range(3):
            newest_first, name, page = COMBINATIONS[(index * 3 + offset) % len(COMBINATIONS)]
            _assert_same(registry, child["chi"], newest_first, name, page)


@pytest.mark.parametrize(("newest_first", "name", "page"), COMBINATIONS)
def test_the_large_history_gets_the_same_page_either_way(sandbox: RunningSandbox, registry: Registry,
                                                         newest_first: bool, name: str, page: int) -> None:
    # Every source's first window asked for at once, as the view does on its pool.
    with ThreadPoolExecutor(max_workers=4) as executor:
        _assert_same(registry, sandbox.child("large")["chi"], newest_first, name, page, executor)
