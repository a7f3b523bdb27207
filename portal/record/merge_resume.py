"""Where the next chronology page can start reading, so page 40 does not re-read pages 1-39.

A windowed page (portal.record.merge_window) knows, per stream, which offsets it asked for and
the date each answer began with. The next page can start at a day D where no "same incident"
group spans the boundary: every entry before D was on this page or an earlier one, and grouping
what follows D alone gives the same entries as grouping everything (no group crosses D). Each
stream then resumes at the start of the last window that began before D (everything before that
offset is dated before D), and events dated before D are dropped as they arrive.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from connectors.models import ChronologyEvent
from portal.record.merge import Entry


@dataclass(frozen=True)
class StreamCursor:
    """One stream's place: the offset to ask from (None: nothing left on or after the day), and its total."""

    agency: str
    name: str
    offset: int | None
    total: int | None
    total_is_events: bool = True
    filters_applied: bool = True


@dataclass(frozen=True)
class Resume:
    """Where page `page` starts reading: from `day` (None: the start) in every stream, after the entries before it."""

    page: int
    day: date | None = None
    entries_before: int = 0  # entries (of the whole chronology) dated before `day`
    matching_before: int = 0  # matching events dated before `day`
    streams: tuple[StreamCursor, ...] = ()
    known: tuple[int, int, int | None] | None = None  # (entries, matching, all events or None) when a page before
    # counted them; otherwise the most a page before could say: at least (entries, matching)
    at_least: tuple[int, int] | None = None


def before(a: date, b: date, newest_first: bool) -> bool:
    """Does `a` come before `b` in the page's order?"""
    return a > b if newest_first else a < b


def resume_point(matching: Sequence[ChronologyEvent], entries: Sequence[Entry], next_entry: int) -> int:
    """The latest position in `matching` where a page could start reading again and still begin with entry
    `next_entry`: the first event of its day, with no group spanning it, at or before that entry. 0 if none."""
    if next_entry >= len(entries):
        return 0
    index = {id(event): position for position, event in enumerate(matching)}
    spans = [[index[id(e)] for e in getattr(entry, "events", (entry,))] for entry in entries]
    covered = [0] * (len(matching) + 1)  # >0 where some group has members on both sides of the position
    for members in spans:
        low, high = min(members), max(members)
        if high > low:
            covered[low + 1] += 1
            covered[high + 1] -= 1
    running, blocked = 0, []
    for value in covered:
        running += value
        blocked.append(running > 0)
    for position in range(min(spans[next_entry]), 0, -1):
        new_day = matching[position].event_date != matching[position - 1].event_date
        if new_day and not blocked[position]:
            return position
    return 0


def entries_before(entries: Sequence[Entry], matching: Sequence[ChronologyEvent], position: int) -> int:
    """How many entries stand before `position` (none spans it, so they lie wholly before)."""
    index = {id(event): i for i, event in enumerate(matching)}
    firsts = sorted(min(index[id(e)] for e in getattr(entry, "events", (entry,))) for entry in entries)
    return bisect.bisect_left(firsts, position)


def resume_offset(start: int | None, marks: Sequence[tuple[int, date]], exhausted: bool, last_read: date | None,
                  day: date, newest_first: bool) -> int | None:
    """A stream's offset for reading from `day`: the last window that began before it (else where it began).

    None when the stream is finished and held nothing on or after the day.
    """
    if start is None or (exhausted and (last_read is None or before(last_read, day, newest_first))):
        return None
    offset = start
    for window_offset, first_date in marks:
        if before(first_date, day, newest_first):
            offset = window_offset
    return offset
