"""One chronology page from sorted per-source streams, reading only what could land on it.

Each stream (connectors.window) is read in chunks in the page's order; the streams are
merged with a k-way merge (heapq.merge) under the same order `chronology.merge` uses,
filtered as `chronology.filter_events` does, and read only until the page is full, plus
past its edge until the next event is too far away to join a "same incident" group. So
the page's entries, their order and their grouping are those of the fetch-all chronology.
Per-stream cursors (next offsets) are kept so the caller can say what each agency sent.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any, Protocol

from connectors.models import ChronologyEvent, PersonRecord, SourceRecords
from connectors.window import EventStream, EventWindow, WholeListStream
from portal.record.merge import ChronologyFilter, Entry, Page, entry_events, filter_events, group_incidents
from portal.record.merge_resume import Resume, StreamCursor, before, entries_before, resume_offset, resume_point

__all__ = ["AgencyStreams", "Resume", "StreamStats", "WindowedView", "agency_streams", "windowed_chronology"]

MIN_FIRST_WINDOW = 16  # below this, another round trip costs more than the items it saves
GROUP_WINDOW_DAYS = 2  # group_incidents' default: events further apart than this never share a group
_Key = tuple[int, int, int, str, int, int]


@dataclass(frozen=True)
class AgencyStreams:
    """One agency's streams, in the order its connector lists them (that order breaks same-day ties)."""

    agency: str
    streams: tuple[EventStream, ...]


class _Reads(Protocol):
    agency: str

    def fetch_records(self, person: PersonRecord, categories: frozenset[str], *, deadline: float
                      ) -> SourceRecords: ...

    def event_streams(self, person: PersonRecord, categories: frozenset[str]) -> tuple[EventStream, ...] | None: ...


def agency_streams(connector: _Reads, people: Sequence[PersonRecord], categories: frozenset[str]) -> AgencyStreams:
    """The agency's streams for this child's linked records; a source that cannot window is read whole."""
    streams: list[EventStream] = []
    for person in people:
        offered = connector.event_streams(person, categories)
        if offered is None:
            streams.append(WholeListStream("whole record", partial(_all_events, connector, person, categories)))
        else:
            streams.extend(offered)
    return AgencyStreams(connector.agency, tuple(streams))


def _all_events(connector: _Reads, person: PersonRecord, categories: frozenset[str],
                deadline: float) -> tuple[ChronologyEvent, ...]:
    return connector.fetch_records(person, categories, deadline=deadline).events


@dataclass
class StreamStats:
    """What one stream was asked and what it sent (for the audit and the bench)."""

    agency: str
    name: str
    pushed_down: bool
    requests: int = 0
    items_sent: int = 0
    total: int | None = None
    total_is_events: bool = True
    filters_applied: bool = True
    next_offset: int | None = 0
    dropped_wrong_child: int = 0
    windows: list[EventWindow] = field(default_factory=list)
    marks: list[tuple[int, date]] = field(default_factory=list)  # (offset asked, date of its first event)
    last_read: date | None = None
    notices: list[str] = field(default_factory=list)  # the list's restricted notices, as its answers carried them


@dataclass(frozen=True)
class WindowedView:
    """A page as `chronology.build_chronology` would build it, with how sure its counts are."""

    page: Page
    matching_events: int  # exact when `counts_exact`, otherwise a lower bound ("at least")
    counts_exact: bool
    matching_at_most: int | None  # when not exact: the sources' own totals, an upper bound (None: cannot say)
    stats: tuple[StreamStats, ...]
    next_page: Resume | None = None  # where the following page can start reading (None: there is none)
    # Every matching event, when the windows read the whole record from the start (what a timeline draws);
    # None when some source holds more than was read.
    everything: tuple[ChronologyEvent, ...] | None = None
    matched_by_agency: dict[str, int] = field(default_factory=dict)  # matching events read, per agency

    @property
    def total_pages_known(self) -> bool:
        return self.counts_exact

    def audit_details(self) -> dict[str, dict[str, Any]]:
        """Per agency: the record ids shown on this page, and each window asked for (no record content)."""
        details: dict[str, dict[str, Any]] = {}
        for stats in self.stats:
            entry = details.setdefault(stats.agency, {"shown": [], "asked": [], "items_sent": 0})
            entry["items_sent"] += stats.items_sent
            if stats.dropped_wrong_child:
                entry["dropped_wrong_child"] = entry.get("dropped_wrong_child", 0) + stats.dropped_wrong_child
            entry["asked"] += [{"list": stats.name, "order": "newest first" if w.newest_first else "oldest first",
                                "offset": w.offset, "limit": w.limit,
                                "since": w.date_from.isoformat() if w.date_from else None,
                                "until": w.date_to.isoformat() if w.date_to else None,
                                "significant_only": w.significant_only, "at_source": stats.pushed_down}
                               for w in stats.windows]
        for item in self.page.items:
            for event in entry_events(item):
                details.setdefault(event.agency, {"shown": [], "asked": [], "items_sent": 0})
                details[event.agency]["shown"].append(event.source_record_id)
        return details


def windowed_chronology(
    agencies: Sequence[AgencyStreams],
    criteria: ChronologyFilter | None = None,
    *,
    newest_first: bool = True,
    group: bool = True,
    page: int = 1,
    page_size: int = 50,
    deadline: float,
    visible: Callable[[ChronologyEvent], bool] | None = None,
    chunk: int | None = None,
    executor: Executor | None = None,
    resume: Resume | None = None,
    as_one_list: bool = False,
    first_window: int | None = None,
) -> WindowedView:
    """The page `build_chronology(...)` would show, reading each stream only as far as the page needs.

    `visible` is the access policy's per-event test (applied before the chronology's own filters,
    as the view does). A page past the end is brought back to the last page, as `paginate` does.
    With an `executor`, every stream's first window is asked for at once (the page then waits for the
    slowest source, not the sum); later windows, rarely needed, are asked for as the merge reaches them.
    With `resume` (from the previous page's `next_page`), reading starts where that page left off.
    `as_one_list` orders a day's events as `build_chronology([all events])` does (the child view's way):
    by sequence and record id across agencies, rather than agency by agency.
    `first_window` asks each sorting list for at least that many events first (a short history then comes whole
    in one request per list, and the page can say it read everything).
    """
    criteria = criteria or ChronologyFilter()
    size = max(1, page_size)
    number = max(1, page)
    base = EventWindow(newest_first=newest_first, date_from=criteria.date_from, date_to=criteria.date_to,
                       significant_only=criteria.significant_only)
    streams = [(index, position, agency.agency, stream) for index, agency in enumerate(agencies)
               for position, stream in enumerate(agency.streams)]
    if as_one_list:
        streams = [(0, position, name, stream) for position, (_, _, name, stream) in enumerate(streams)]
    resume = resume if _fits(resume, streams, number, size) else None
    cursors: Sequence[StreamCursor | None] = resume.streams if resume and resume.streams else [None] * len(streams)
    skipped = resume.entries_before if resume else 0  # entries before the resume point, on earlier pages
    needed = size * number + 1 - skipped
    step = chunk or max(first_window or 0, _first_window(needed, streams))
    whole = chunk or max(needed, first_window or 0)  # a list read whole is in memory after one read: one piece
    readers = [_Reader(index, position, stream, name, base, step if stream.pushed_down else whole,
                       deadline, cursor, resume.day if resume else None)
               for (index, position, name, stream), cursor in zip(streams, cursors, strict=True)]
    if executor is not None:
        for future in [executor.submit(reader.prefetch) for reader in readers]:
            future.result()
    merged = _Peekable(heapq.merge(*(iter(r) for r in readers), key=lambda pair: pair[0]))

    def passes(event: ChronologyEvent) -> bool:
        return (visible is None or visible(event)) and bool(filter_events([event], criteria))

    matching: list[ChronologyEvent] = []
    wanted = size * number + 1 - skipped  # entries: the page and one more, to know whether there is a next page
    target = wanted
    while True:
        _read_until(merged, matching, passes, target)
        entries: Sequence[Entry] = group_incidents(matching) if group else matching
        if len(entries) >= wanted or merged.exhausted:
            break
        target = len(matching) + wanted - len(entries)  # a group folds events into one entry: read more
    if not merged.exhausted and all(r.stats.next_offset is None for r in readers):
        # Every source has sent its last event: the rest is in memory, so count it rather than guess.
        _read_until(merged, matching, passes, math.inf)
        entries = group_incidents(matching) if group else matching
    exhausted = merged.exhausted
    if exhausted:
        pages = max(1, math.ceil((skipped + len(entries)) / size))
        if number > pages and resume is not None:  # the record shrank since the last page: read it afresh
            return windowed_chronology(agencies, criteria, newest_first=newest_first, group=group, page=pages,
                                       page_size=size, deadline=deadline, visible=visible, executor=executor,
                                       as_one_list=as_one_list)
        number = min(number, pages)
    start = (number - 1) * size - skipped
    shown = Page(tuple(entries[start:start + size]), number, size, skipped + len(entries))
    before_count = resume.matching_before if resume else 0
    counts_exact, matching_count, at_most = _matching_count(readers, criteria, visible, exhausted,
                                                            before_count + len(matching))
    following = _next_page(readers, matching, entries, start + size, number + 1, resume, newest_first)
    everything = tuple(matching) if exhausted and resume is None else None
    matched: dict[str, int] = {}
    for event in matching:
        matched[event.agency] = matched.get(event.agency, 0) + 1
    return WindowedView(shown, matching_count, counts_exact, at_most, tuple(r.stats for r in readers), following,
                        everything, matched)


def _first_window(needed: int, streams: Sequence[tuple[int, int, str, EventStream]]) -> int:
    """How many events to ask each list for first: the page's share for several lists, twice over (a page's
    events are rarely all from one list); a list that runs short is asked again for twice as many."""
    sorting = sum(1 for *_, stream in streams if stream.pushed_down)
    return min(needed, max(MIN_FIRST_WINDOW, math.ceil(2 * needed / max(1, sorting))))


def _fits(resume: Resume | None, streams: Sequence[tuple[int, int, str, EventStream]], page: int, size: int) -> bool:
    """A resume point is used only for the page it was made for, over the same streams."""
    if resume is None or resume.page != page or resume.entries_before > (page - 1) * size:
        return False
    named = [(name, stream.name) for _, _, name, stream in streams]
    return not resume.streams or [(c.agency, c.name) for c in resume.streams] == named


def _next_page(readers: Sequence[_Reader], matching: Sequence[ChronologyEvent], entries: Sequence[Entry],
               next_entry: int, page: int, resume: Resume | None, newest_first: bool) -> Resume | None:
    """Where the page after this one can start reading (the previous resume point if no later one is safe)."""
    if next_entry >= len(entries):
        return None
    position = resume_point(matching, entries, next_entry)
    if position == 0:
        return replace(resume, page=page) if resume else Resume(page)
    day = matching[position].event_date
    cursors = tuple(StreamCursor(r.stats.agency, r.stats.name,
                                 resume_offset(r.start, r.stats.marks, r.stats.next_offset is None, r.stats.last_read,
                                               day, newest_first),
                                 r.stats.total, r.stats.total_is_events, r.stats.filters_applied) for r in readers)
    return Resume(page, day, (resume.entries_before if resume else 0) + entries_before(entries, matching, position),
                  (resume.matching_before if resume else 0) + position, cursors, resume.known if resume else None,
                  resume.at_least if resume else None)


def _read_until(merged: _Peekable, matching: list[ChronologyEvent], passes: Callable[[ChronologyEvent], bool],
                target: float) -> None:
    """Read matching events up to `target`, then on while the next could join a group with the last read."""
    while not merged.exhausted:
        if len(matching) >= target:
            following = merged.peek_matching(passes)
            if following is None or _far_apart(matching[-1].event_date, following.event_date):
                return
        key_event = merged.next()
        if key_event is not None and passes(key_event[1]):
            matching.append(key_event[1])


def _far_apart(a: date, b: date) -> bool:
    return abs((a - b).days) > GROUP_WINDOW_DAYS


def _matching_count(readers: Sequence[_Reader], criteria: ChronologyFilter,
                    visible: Callable[[ChronologyEvent], bool] | None, exhausted: bool, read: int
                    ) -> tuple[bool, int, int | None]:
    """How many events match: counted when all was read; the sources' totals when every filter was applied
    at the source and every item counted is an event; otherwise at least what was read, at most the totals."""
    if exhausted:
        return True, read, read
    totals = [r.stats.total for r in readers]
    at_most = sum(t for t in totals if t is not None) if all(t is not None for t in totals) else None
    portal_side = bool(criteria.agencies or criteria.shanarri or criteria.date_from or criteria.text.strip())
    pushed_all = not portal_side and all(r.stats.filters_applied for r in readers)
    if at_most is not None and visible is None and pushed_all and all(r.stats.total_is_events for r in readers):
        return True, at_most, at_most
    return False, read, at_most


class _Reader:
    """One stream read lazily in chunks, yielding (merge key, event) in the chronology's order.

    A source sorts by date then its own id; the chronology orders a day's events by sequence,
    then record id, then listing order (ascending). So each day is held until complete, put back
    in listing order, and sorted before it is yielded.
    """

    def __init__(self, agency_index: int, position: int, stream: EventStream, agency: str, base: EventWindow,
                 step: int, deadline: float, cursor: StreamCursor | None = None, day: date | None = None) -> None:
        self.agency_index, self.position, self.stream = agency_index, position, stream
        self.base, self.step, self.deadline, self.day = base, step, deadline, day
        self.stats = StreamStats(agency, stream.name, stream.pushed_down)
        self.start: int | None = 0
        if cursor is not None:  # continuing from an earlier page: the source's totals were given then
            self.start = self.stats.next_offset = cursor.offset
            self.stats.total, self.stats.total_is_events = cursor.total, cursor.total_is_events
            self.stats.filters_applied = cursor.filters_applied
        self._first: list[ChronologyEvent] | None = None

    def prefetch(self) -> None:
        """Ask for the first window now (on a pool thread), so the merge starts with every source's answer."""
        self._first = list(self._next_window())

    def _chunks(self) -> Iterator[ChronologyEvent]:
        if self._first is not None:
            first, self._first = self._first, None
            yield from first
        while self.stats.next_offset is not None:
            yield from self._next_window()

    def _next_window(self) -> Iterator[ChronologyEvent]:
        if self.stats.next_offset is not None:
            window = replace(self.base, offset=self.stats.next_offset, limit=self.step)
            answer = self.stream.fetch(window, deadline=self.deadline)
            self.stats.requests += 1
            self.stats.items_sent += answer.items_sent
            self.stats.windows.append(window)
            self.stats.dropped_wrong_child += answer.dropped_wrong_child
            self.stats.notices += [n for n in answer.notices if n not in self.stats.notices]
            if self.stats.requests == 1 and window.offset == 0:
                self.stats.total, self.stats.total_is_events = answer.total, answer.total_is_events
                self.stats.filters_applied = answer.filters_applied
            self.stats.next_offset = answer.next_offset
            if answer.events:
                self.stats.marks.append((window.offset, answer.events[0].event_date))
                self.stats.last_read = answer.events[-1].event_date
            day = self.day
            yield from (e for e in answer.events
                        if day is None or not before(e.event_date, day, self.base.newest_first))
            self.step = min(self.step * 2, 1000)  # a page that needs more usually needs much more

    def __iter__(self) -> Iterator[tuple[_Key, ChronologyEvent]]:
        direction = -1 if self.base.newest_first else 1
        day: list[ChronologyEvent] = []
        for event in self._chunks():
            if day and event.event_date != day[0].event_date:
                yield from self._flush(day, direction)
                day = []
            day.append(event)
        yield from self._flush(day, direction)

    def _flush(self, day: list[ChronologyEvent], direction: int) -> Iterator[tuple[_Key, ChronologyEvent]]:
        listing = day[::-1] if self.base.newest_first else day
        ordered = sorted(listing, key=lambda event: (event.sequence, event.source_record_id))
        for rank, event in enumerate(ordered):
            key = (direction * event.event_date.toordinal(), self.agency_index, event.sequence,
                   event.source_record_id, self.position, rank)
            yield key, event


class _Peekable:
    """The merged stream with one item of look-ahead (to decide whether to read past the page's edge)."""

    def __init__(self, source: Iterator[tuple[_Key, ChronologyEvent]]) -> None:
        self._source = source
        self._ahead: list[tuple[_Key, ChronologyEvent]] = []
        self.exhausted = False
        self._fill()

    def _fill(self) -> None:
        if not self._ahead:
            try:
                self._ahead.append(next(self._source))
            except StopIteration:
                self.exhausted = True

    def next(self) -> tuple[_Key, ChronologyEvent] | None:
        item = self._ahead.pop(0) if self._ahead else None
        self._fill()
        return item

    def peek_matching(self, passes: Callable[[ChronologyEvent], bool]) -> ChronologyEvent | None:
        """The next event that passes the filters, dropping those that do not (they would be skipped anyway)."""
        while self._ahead:
            event = self._ahead[0][1]
            if passes(event):
                return event
            self.next()
        return None
