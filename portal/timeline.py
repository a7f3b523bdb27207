"""Timeline geometry: one lane per agency, events placed on a date axis. No rendering here.

The template draws an SVG from these numbers; the chronology table is its text
alternative. Colour is never the only cue: every event type also gets a shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from connectors.models import ChronologyEvent
from portal.chronology import format_event_date

# Okabe–Ito colours (distinguishable with common colour-vision deficiencies) and shapes.
_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
_SHAPES = ("circle", "square", "diamond", "triangle")


@dataclass(frozen=True)
class Marker:
    """One event on its lane: x (and x_end for a period), what it is, and its accessible label."""

    x: float
    x_end: float | None
    y: float
    event_type: str
    colour: str
    shape: str
    label: str
    source_record_id: str
    count: int = 1  # more than one when nearby events of one type share a marker


@dataclass(frozen=True)
class Lane:
    agency: str
    label: str
    y: float
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class LegendItem:
    event_type: str
    label: str
    colour: str
    shape: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    """Everything the SVG needs: size, lanes with markers, axis ticks and a legend."""

    start: date
    end: date
    width: float
    height: float
    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[LegendItem, ...]


def build_timeline(
    events: Iterable[ChronologyEvent],
    lanes: Sequence[tuple[str, str]],
    *,
    start: date | None = None,
    end: date | None = None,
    width: float = 960.0,
    lane_height: float = 48.0,
    label_width: float = 140.0,
    merge_within_px: float = 3.0,
) -> Timeline:
    """Lay out events between `start` and `end` (default: the events' span) on per-agency lanes.

    `lanes` is (agency key, label) in display order; agencies with events but no lane
    get one at the end so nothing is silently hidden.
    """
    chosen = list(events)
    start, end = _date_range(chosen, start, end)
    span_days = max(1, (end - start).days)
    plot_width = width - label_width

    def x_of(day: date) -> float:
        clamped = min(max(day, start), end)
        return round(label_width + (clamped - start).days / span_days * plot_width, 1)

    lane_order = list(lanes) + [(a, a.replace("_", " ").capitalize()) for a in _extra_agencies(chosen, lanes)]
    legend = _legend(chosen)
    styles = {item.event_type: item for item in legend}
    built: list[Lane] = []
    for index, (agency, label) in enumerate(lane_order):
        y = round(lane_height * index + lane_height / 2, 1)
        markers = _merge_close(tuple(
            _marker(event, x_of, y, styles[event.event_type or "event"])
            for event in chosen
            if event.agency == agency and _overlaps(event, start, end)
        ), merge_within_px)
        built.append(Lane(agency, label, y, markers))
    return Timeline(start, end, width, lane_height * len(lane_order), tuple(built), _ticks(start, end, x_of), legend)


def _date_range(events: list[ChronologyEvent], start: date | None, end: date | None) -> tuple[date, date]:
    if events:
        start = start or min(e.event_date for e in events)
        end = end or max(e.end_date or e.event_date for e in events)
    start = start or date.today()
    end = end or start
    if end <= start:
        # A single day (or none) still needs an axis: show a month either side.
        start, end = start - timedelta(days=30), start + timedelta(days=30)
    return start, end


def _extra_agencies(events: list[ChronologyEvent], lanes: Sequence[tuple[str, str]]) -> list[str]:
    known = {agency for agency, _ in lanes}
    return [a for a in dict.fromkeys(e.agency for e in events) if a not in known]


def _overlaps(event: ChronologyEvent, start: date, end: date) -> bool:
    return (event.end_date or event.event_date) >= start and event.event_date <= end


def _legend(events: list[ChronologyEvent]) -> tuple[LegendItem, ...]:
    types = list(dict.fromkeys(e.event_type or "event" for e in events))
    return tuple(
        LegendItem(kind, kind.replace("_", " ").capitalize(), _PALETTE[i % len(_PALETTE)], _SHAPES[i % len(_SHAPES)])
        for i, kind in enumerate(types)
    )


def _marker(event: ChronologyEvent, x_of: Callable[[date], float], y: float, style: LegendItem) -> Marker:
    x_end = x_of(event.end_date) if event.end_date and event.end_date != event.event_date else None
    label = f"{format_event_date(event)}: {event.title} ({event.source_system})"
    return Marker(
        x_of(event.event_date), x_end, y, style.event_type, style.colour, style.shape, label, event.source_record_id
    )


def _merge_close(markers: tuple[Marker, ...], within_px: float) -> tuple[Marker, ...]:
    """One marker for events of the same type closer than `within_px` on a lane (periods stay separate).

    Thousands of overlapping shapes look the same as one but cost the page; the merged
    marker's label says how many events it stands for and over which dates.
    """
    if within_px <= 0:
        return markers
    kept: list[Marker] = []
    groups: dict[tuple[str, int], list[Marker]] = {}
    for marker in markers:
        if marker.x_end is not None:
            kept.append(marker)
        else:
            groups.setdefault((marker.event_type, int(marker.x // within_px)), []).append(marker)
    for (_, _), group in groups.items():
        if len(group) == 1:
            kept.append(group[0])
            continue
        first, last = group[0], group[-1]
        span = sorted((first.label.split(": ", 1)[0], last.label.split(": ", 1)[0]))
        label = f"{len(group)} events of this type, {span[0]} to {span[1]}"
        kept.append(Marker(sum(m.x for m in group) / len(group), None, first.y, first.event_type, first.colour,
                           first.shape, label, first.source_record_id, len(group)))
    return tuple(sorted(kept, key=lambda m: m.x))


def _ticks(start: date, end: date, x_of: Callable[[date], float]) -> tuple[Tick, ...]:
    """Year ticks for long spans, month ticks for short ones."""
    ticks: list[Tick] = []
    if (end - start).days > 730:
        for year in range(start.year + (start.month > 1 or start.day > 1), end.year + 1):
            ticks.append(Tick(x_of(date(year, 1, 1)), str(year)))
        return tuple(ticks)
    cursor = date(start.year, start.month, 1)
    if cursor < start:
        cursor = _next_month(cursor)
    while cursor <= end:
        ticks.append(Tick(x_of(cursor), f"{cursor:%b %Y}"))
        cursor = _next_month(cursor)
    return tuple(ticks)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
