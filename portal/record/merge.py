"""The merged multi-agency chronology: order, show dates honestly, filter, group, page.

Pure functions over `ChronologyEvent`s, assembled per request and never stored.
Reports of the same incident from several agencies are *grouped and marked*, never
de-duplicated: each agency's account stays visible, and disagreements are stated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from connectors.models import ChronologyEvent, DateCertainty
from portal.record.words import MONTHS

__all__ = [
    "ChronologyFilter",
    "ChronologyView",
    "IncidentGroup",
    "Page",
    "build_chronology",
    "filter_events",
    "format_date",
    "format_event_date",
    "group_incidents",
    "merge",
    "paginate",
]


def format_date(value: date, certainty: DateCertainty = DateCertainty.EXACT) -> str:
    """A date as the chronology shows it: '22 March 2016', '?22 March 2016', 'March 2016' or '2016'."""
    if certainty == DateCertainty.YEAR:
        return str(value.year)
    if certainty == DateCertainty.MONTH:
        return f"{MONTHS[value.month - 1]} {value.year}"
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"?{text}" if certainty == DateCertainty.APPROXIMATE else text


def format_event_date(event: ChronologyEvent) -> str:
    """The event's date or period, with its uncertainty: '3 March 2024 – 10 April 2024'."""
    start = format_date(event.event_date, event.date_certainty)
    if event.end_date is None or event.end_date == event.event_date:
        return start
    return f"{start} – {format_date(event.end_date, event.date_certainty)}"


def merge(sources: Iterable[Iterable[ChronologyEvent]], *, newest_first: bool = True) -> list[ChronologyEvent]:
    """Merge per-source event lists (in configuration order) into one list ordered by event date.

    Events on the same day: source order first, then each source's sequence, then the source's record id,
    so the order never depends on how a source happened to list them (a windowed read sorts the same way).
    """
    keyed: list[tuple[int, int, int, str, ChronologyEvent]] = []
    for source_index, events in enumerate(sources):
        for event in events:
            keyed.append((event.event_date.toordinal(), source_index, event.sequence, event.source_record_id, event))
    direction = -1 if newest_first else 1
    keyed.sort(key=lambda item: (direction * item[0], item[1], item[2], item[3]))
    return [item[4] for item in keyed]


@dataclass(frozen=True)
class ChronologyFilter:
    """What the practitioner narrowed the chronology to. Empty means everything."""

    agencies: frozenset[str] = frozenset()
    shanarri: frozenset[str] = frozenset()
    date_from: date | None = None
    date_to: date | None = None
    significant_only: bool = True
    text: str = ""


def filter_events(events: Iterable[ChronologyEvent], criteria: ChronologyFilter) -> list[ChronologyEvent]:
    """Events that pass every criterion, order kept. Periods count if they overlap the date range."""
    terms = criteria.text.casefold().split()
    kept: list[ChronologyEvent] = []
    for event in events:
        if criteria.significant_only and not event.significant:
            continue
        if criteria.agencies and event.agency not in criteria.agencies:
            continue
        if criteria.shanarri and not criteria.shanarri.intersection(event.shanarri):
            continue
        if criteria.date_from and (event.end_date or event.event_date) < criteria.date_from:
            continue
        if criteria.date_to and event.event_date > criteria.date_to:
            continue
        if terms:
            haystack = f"{event.title} {event.summary}".casefold()
            if not all(term in haystack for term in terms):
                continue
        kept.append(event)
    return kept


@dataclass(frozen=True)
class IncidentGroup:
    """Several agencies' reports that look like the same incident, shown together and all kept."""

    events: tuple[ChronologyEvent, ...]
    disagreements: tuple[str, ...] = ()

    @property
    def event_date(self) -> date:
        return min(event.event_date for event in self.events)

    @property
    def agencies(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(event.agency for event in self.events))

    @property
    def significant(self) -> bool:
        return any(event.significant for event in self.events)


Entry = ChronologyEvent | IncidentGroup


def entry_events(entry: Entry) -> tuple[ChronologyEvent, ...]:
    """The events one chronology entry shows: a group's reports, or the event itself."""
    return entry.events if isinstance(entry, IncidentGroup) else (entry,)


def _stem(word: str) -> str:
    # Crude plural folding is enough here: "injuries"/"injury", "burns"/"burn".
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and len(word) > 4 else word


def _word_set(*chunks: str) -> frozenset[str]:
    return frozenset(_stem(word) for chunk in chunks for word in chunk.split())


# Words that, shared by two nearby reports, point at the same incident.
_INCIDENT_WORDS = _word_set(
    "domestic assault missing injury bruise bruising fracture burn overdose fire arrest arrested",
    "selfharm self-harm neglect abuse exclusion excluded absconded intoxicated disclosure disclosed",
    "abandoned suicide stabbing weapon",
)
_STOPWORDS = _word_set(
    "the and for with from that this was were has have had not but are his her their them they she him",
    "who what when where into onto after before about over child young person report reported note",
    "seen saw told said also home school",
)


def _tokens(event: ChronologyEvent) -> frozenset[str]:
    words = re.findall(r"[a-z][a-z\-]+", f"{event.title} {event.summary}".casefold())
    stems = (_stem(word) for word in words)
    return frozenset(stem for stem in stems if len(stem) > 2 and stem not in _STOPWORDS)


def _same_incident(a: frozenset[str], b: frozenset[str], min_overlap: float) -> bool:
    if a & b & _INCIDENT_WORDS:
        return True
    shared = len(a & b)
    return shared >= 2 and shared / max(1, min(len(a), len(b))) >= min_overlap


def group_incidents(
    events: Sequence[ChronologyEvent], *, window_days: int = 2, min_overlap: float = 0.5
) -> list[Entry]:
    """Group reports of one incident from different agencies; order of `events` is kept.

    Two events are linked when they come from different agencies, fall within
    `window_days` of each other, and share an incident word or enough content words.
    A group stands where its first member stood.
    """
    parent = list(range(len(events)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tokens = [_tokens(event) for event in events]
    by_date = sorted(range(len(events)), key=lambda i: events[i].event_date)
    window = timedelta(days=window_days)
    for position, i in enumerate(by_date):
        for j in by_date[position + 1 :]:
            if events[j].event_date - events[i].event_date > window:
                break
            if events[i].agency != events[j].agency and _same_incident(tokens[i], tokens[j], min_overlap):
                parent[root(j)] = root(i)

    members: dict[int, list[int]] = {}
    for i in range(len(events)):
        members.setdefault(root(i), []).append(i)
    entries: list[Entry] = []
    for i, event in enumerate(events):
        group = members[root(i)]
        if len(group) == 1:
            entries.append(event)
        elif group[0] == i:
            grouped = tuple(events[k] for k in group)
            entries.append(IncidentGroup(grouped, _disagreements(grouped)))
    return entries


def _disagreements(events: tuple[ChronologyEvent, ...]) -> tuple[str, ...]:
    notes: list[str] = []
    dates = {format_event_date(e) for e in events}
    if len(dates) > 1:
        detail = ", ".join(f"{format_event_date(e)} ({e.source_system})" for e in events)
        notes.append(f"Sources give different dates: {detail}")
    types = {e.event_type for e in events if e.event_type}
    if len(types) > 1:
        detail = ", ".join(f"{e.event_type} ({e.source_system})" for e in events if e.event_type)
        notes.append(f"Sources record different types of event: {detail}")
    return tuple(notes)


@dataclass(frozen=True)
class Page:
    """One page of chronology entries and where it sits in the whole."""

    items: tuple[Entry, ...]
    number: int
    size: int
    total_items: int

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total_items / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages


def paginate(entries: Sequence[Entry], page: int = 1, page_size: int = 50) -> Page:
    """Slice out one page; a page number out of range is brought back into range."""
    size = max(1, page_size)
    pages = max(1, math.ceil(len(entries) / size))
    number = min(max(1, page), pages)
    start = (number - 1) * size
    return Page(tuple(entries[start : start + size]), number, size, len(entries))


@dataclass(frozen=True)
class ChronologyView:
    """What the chronology table shows: one page, and how much the filters left out."""

    page: Page
    total_events: int
    matching_events: int


def build_chronology(
    sources: Iterable[Iterable[ChronologyEvent]],
    criteria: ChronologyFilter | None = None,
    *,
    newest_first: bool = True,
    group: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> ChronologyView:
    """Merge, filter, group and page in one call, as the child's page needs it."""
    merged = merge(sources, newest_first=newest_first)
    matching = filter_events(merged, criteria or ChronologyFilter())
    entries: Sequence[Entry] = group_incidents(matching) if group else matching
    return ChronologyView(paginate(entries, page, page_size), len(merged), len(matching))
