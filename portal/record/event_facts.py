"""The summary's event-derived facts read in small windows, not from every event.

Police concerns in the last year come from the police lists read newest first from a year
ago (a year's concerns, not the whole history), and the Reporter's latest referral or hearing
from each list's newest few events. Both pass the access policy's per-event test and are put
in words by `portal.record.summarise`, so they say what the fetch-all derivation says.

Why not the sources' own totals for the count: a source counts events the access policy hides
from this user (restricted labels) and rows filed under the child that are about someone else;
only reading the year's events can leave those out, as the fetch-all derivation does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from connectors.models import ChronologyEvent, KeyFact, SourceState
from connectors.window import EventStream, EventWindow
from portal.record.gather import GatheredSource
from portal.record.summarise import (
    REPORTER_CATEGORIES,
    gives_police_concerns,
    latest_reporter_event,
    police_concerns_fact,
    police_concerns_since,
    reporter_fact,
    result_domain,
    source_system,
)

YEAR_WINDOW = 50  # police concerns asked for at a time, newest first (a year of them is rarely more)
NEWEST_WINDOW = 4  # each Reporter list's newest events: the latest, and any on the same day (ties)
POLICE_CATEGORIES = frozenset({"police_concerns"})

Visible = Callable[[ChronologyEvent], bool]
StreamsFor = Callable[[GatheredSource, frozenset[str]], Sequence[EventStream]]


@dataclass(frozen=True)
class FactRead:
    """One source's facts to read: from which lists (categories), and the work to do on their streams."""

    agency: str
    source: GatheredSource
    categories: frozenset[str]  # the lists read, each newest first from its start
    facts: Callable[[Sequence[EventStream]], list[KeyFact]]  # run it on a pool, given those lists' streams

    def read(self, streams_for: StreamsFor) -> list[KeyFact]:
        """The facts, from streams of their own."""
        return self.facts(streams_for(self.source, self.categories))


def fact_reads(sources: Sequence[GatheredSource], visible: Visible, now: datetime, deadline: float) -> list[FactRead]:
    """The windowed reads for every answering police and Reporter source (each independent of the others)."""
    reads: list[FactRead] = []
    for source in sources:
        if source.status.state != SourceState.ANSWERED:
            continue
        domain = result_domain(source)
        if domain == "police" and gives_police_concerns(source):
            def police(streams: Sequence[EventStream], source: GatheredSource = source) -> list[KeyFact]:
                return [_police_fact(source, streams, visible, now, deadline)]
            reads.append(FactRead(source.agency, source, POLICE_CATEGORIES, police))
        elif domain == "scra":
            def reporter(streams: Sequence[EventStream], source: GatheredSource = source) -> list[KeyFact]:
                latest = _latest(streams, visible, deadline)
                return [] if latest is None else [reporter_fact(source.agency, source_system(source), latest)]
            reads.append(FactRead(source.agency, source, REPORTER_CATEGORIES, reporter))
    return reads


def _police_fact(source: GatheredSource, streams: Sequence[EventStream], visible: Visible, now: datetime,
                 deadline: float) -> KeyFact:
    since = police_concerns_since(now)
    recent: list[date] = []
    for stream in streams:
        window = EventWindow(newest_first=True, limit=YEAR_WINDOW, date_from=since)
        while True:
            answer = stream.fetch(window, deadline=deadline)
            # The source may not apply `since` itself (a list with periods): the date is checked here too.
            recent += [e.event_date for e in answer.events
                       if e.category == "police_concerns" and e.event_date >= since and visible(e)]
            older = bool(answer.events) and answer.events[-1].event_date < since
            if answer.next_offset is None or older:
                break
            window = replace(window, offset=answer.next_offset, limit=min(window.limit * 2, 1000))
    return police_concerns_fact(source.agency, source_system(source), now, len(recent), max(recent, default=None))


def _latest(streams: Sequence[EventStream], visible: Visible, deadline: float) -> ChronologyEvent | None:
    """The latest visible referral or hearing: each list read newest first until it can hold nothing later."""
    seen: list[ChronologyEvent] = []
    for stream in streams:
        window = EventWindow(newest_first=True, limit=NEWEST_WINDOW)
        listed: list[ChronologyEvent] = []
        while True:
            answer = stream.fetch(window, deadline=deadline)
            listed += [e for e in answer.events if e.category in REPORTER_CATEGORIES and visible(e)]
            best = latest_reporter_event([*seen, *listed])
            # Newest first: once a window ends before the best day so far, the rest of the list is older still.
            done = best is not None and bool(answer.events) and answer.events[-1].event_date < best.event_date
            if answer.next_offset is None or done:
                break
            window = replace(window, offset=answer.next_offset, limit=min(window.limit * 4, 1000))
        seen += reversed(listed)  # in the list's own (oldest first) order, as the whole list is read
    return latest_reporter_event(seen)
