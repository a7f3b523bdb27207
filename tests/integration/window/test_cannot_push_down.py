"""A source that cannot sort or limit is read whole, and the page is still the fetch-all page."""

from __future__ import annotations

from typing import Any

from connectors.models import PersonRecord
from connectors.registry import Registry
from portal.record.merge import ChronologyFilter
from tests.integration.window.support import fetch_all_events, fetch_all_page, linked_people, windowed_page
from tests.support.sandbox import RunningSandbox


class CannotWindow:
    """The real connector, declaring (as the base class does by default) that it cannot push down."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def event_streams(self, person: PersonRecord, categories: frozenset[str]) -> None:
        return None


def test_a_source_that_cannot_push_down_is_read_whole_and_the_page_is_unchanged(
        sandbox: RunningSandbox, registry: Registry) -> None:
    connectors = [CannotWindow(c) if c.agency == "health" else c for c in registry.connectors]
    chi = sandbox.child("large")["chi"]
    people = linked_people(connectors, chi)  # type: ignore[arg-type]
    sources = fetch_all_events(connectors, people)  # type: ignore[arg-type]
    criteria = ChronologyFilter(significant_only=False)
    for page in (1, 3):
        whole = fetch_all_page(sources, criteria, newest_first=True, page=page, page_size=20)
        window = windowed_page(connectors, people, criteria, newest_first=True, page=page,  # type: ignore[arg-type]
                               page_size=20)
        assert window.page.items == whole.page.items
        health = [s for s in window.stats if s.agency == "health"]
        others = [s for s in window.stats if s.agency != "health" and s.pushed_down]
        # Health sent its whole record in one read; the others sent only windows.
        assert [(s.name, s.pushed_down, s.requests) for s in health] == [("whole record", False, 1)]
        assert health[0].items_sent == len(sources[[c.agency for c in connectors].index("health")])
        assert others and all(s.items_sent <= 20 * page + 1 for s in others)
