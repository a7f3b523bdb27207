"""Asking a source for one window of a person's events, in date order, instead of all of them.

A connector that can sort and limit at the source offers one `EventStream` per list it
reads (a REST collection, a SQL query, a FHIR resource type). Each `fetch` asks for
`limit` events from `offset` in the requested order, with the filters the source can
apply itself, and returns the next offset as its cursor. A list the source cannot sort
is offered as a `WholeListStream`: fetched once, sorted and sliced in memory, and
reported as such (all its items count as sent).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from connectors.models import ChronologyEvent


@dataclass(frozen=True)
class EventWindow:
    """What to ask a source for: order, position, size and the filters it may apply itself."""

    newest_first: bool = True
    offset: int = 0
    limit: int = 50
    date_from: date | None = None  # events starting on or after this day
    date_to: date | None = None  # events starting on or before this day
    significant_only: bool = False


@dataclass(frozen=True)
class EventSlice:
    """One answer: events in the asked order, the source's own total, and where to continue (None: no more)."""

    events: tuple[ChronologyEvent, ...]
    total: int | None  # items matching the window's filters, as the source counts them; None if it cannot say
    next_offset: int | None
    items_sent: int  # items the source put on the wire for this answer
    total_is_events: bool = True  # False: some items the source counts do not become events (e.g. cancelled)
    filters_applied: bool = True  # False: the source could not apply every filter, so `total` counts more
    dropped_wrong_child: int = 0  # items in this answer filed under the person but about someone else (dropped)
    notices: tuple[str, ...] = ()  # the list's "restricted information exists" notices, where the answer carries them


class EventStream(Protocol):
    """One sorted, seekable list of a person's events at one source.

    A stream may also say `all_significant = True`: every event of the list is significant, so the source is
    asked the same for a significant-only window as for an unfiltered one (read with `getattr`, default False).
    """

    name: str
    pushed_down: bool  # False: the source cannot sort or limit this list; it is read whole

    def fetch(self, window: EventWindow, *, deadline: float) -> EventSlice: ...


def source_order(events: Sequence[ChronologyEvent], newest_first: bool) -> list[ChronologyEvent]:
    """Events as a sorting source returns them: by date in the asked direction, listing order kept within a day.

    Sources sort by date then their own id; within a day the portal re-orders by sequence anyway.
    """
    direction = -1 if newest_first else 1
    indexed = sorted(enumerate(events), key=lambda pair: (direction * pair[1].event_date.toordinal(), pair[0]))
    return [event for _, event in indexed]


class WholeListStream:
    """The fallback: read the whole list once, then serve windows of it from memory."""

    pushed_down = False

    def __init__(self, name: str, read_all: Callable[[float], Sequence[ChronologyEvent]]) -> None:
        self.name = name
        self._read_all = read_all
        self._events: Sequence[ChronologyEvent] | None = None

    def fetch(self, window: EventWindow, *, deadline: float) -> EventSlice:
        first_read = self._events is None
        if self._events is None:
            self._events = tuple(self._read_all(deadline))
        # Source order within a day is listing order; reversing for newest-first keeps the later listing first,
        # as a sorting source would, so both kinds of stream look alike to the merge.
        ordered = [e for e in _as_sorting_source(self._events, window.newest_first) if _passes(e, window)]
        chosen = ordered[window.offset: window.offset + window.limit]
        end = window.offset + len(chosen)
        return EventSlice(tuple(chosen), len(ordered), end if end < len(ordered) else None,
                          len(self._events) if first_read else 0)


def _passes(event: ChronologyEvent, window: EventWindow) -> bool:
    if window.significant_only and not event.significant:
        return False
    if window.date_from is not None and event.event_date < window.date_from:
        return False
    return window.date_to is None or event.event_date <= window.date_to


def _as_sorting_source(events: Sequence[ChronologyEvent], newest_first: bool) -> list[ChronologyEvent]:
    ascending = source_order(events, newest_first=False)
    return ascending[::-1] if newest_first else ascending
