"""Timeline geometry: one lane per agency, events placed on a date axis. No rendering here.

The template draws an SVG from these numbers; the chronology table is its text
alternative, and a list stands in for the drawing on narrow screens.

The key is fixed and documented: every event type in `portal.record.words.EVENT_TYPES` has its
own colour *and* shape (`STYLES`), the same on every child and every load, so a
practitioner can learn it once. Colour is never the only cue. Colours all reach 3:1
against white (WCAG 1.4.11). A type no one has listed yet is drawn as "Other event".

Each lane's name sits on its own line above the lane, so it never covers a marker. A busy
lane (more events than fit as separate markers) is drawn as a strip of periods whose
shade and number say how many events each period holds, never as a solid bar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from connectors.models import ChronologyEvent
from portal.record.merge import format_date, format_event_date
from portal.record.words import EVENT_TYPES, plain_value, readable

# Seven hues with at least 3:1 contrast on white, and five shapes: 7 × 5 = 35 distinct pairs
# (7 and 5 share no factor, so type n's pair (n mod 7, n mod 5) never repeats below 35 types).
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#0b0c0c", "#d53880", "#8f5b00")
SHAPES = ("circle", "square", "diamond", "triangle", "triangle-down")
OTHER_TYPE = "event"

# Heat shades for busy periods, lightest to darkest, each with a text colour that reads on it.
HEAT = (("#d2e2f1", "#0b0c0c"), ("#8eb8dc", "#0b0c0c"), ("#1d70b8", "#ffffff"), ("#003078", "#ffffff"))
HEAT_BIN_PX = 28.0  # one period of a busy lane; wide enough for a three-digit count
BUSY_MARKERS = 40  # a lane needing more separate markers than this is drawn as a heat strip


@dataclass(frozen=True)
class LegendItem:
    event_type: str
    label: str
    colour: str
    shape: str


def _styles() -> dict[str, LegendItem]:
    return {
        code: LegendItem(code, words, COLOURS[index % len(COLOURS)], SHAPES[index % len(SHAPES)])
        for index, (code, words) in enumerate(EVENT_TYPES.items())
    }


STYLES: dict[str, LegendItem] = _styles()
LEGEND: tuple[LegendItem, ...] = tuple(STYLES.values())


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
class HeatCell:
    """One period of a busy lane: how many events fall in it, shaded and labelled with the count."""

    x: float
    width: float
    y: float
    count: int
    fill: str
    text_colour: str
    label: str


@dataclass(frozen=True)
class Lane:
    agency: str
    label: str
    y: float
    markers: tuple[Marker, ...]
    heat: tuple[HeatCell, ...] = ()
    gap: str = ""  # why this lane may be missing events ("Education did not respond"), or ""
    event_count: int = 0
    type_counts: tuple[tuple[str, int], ...] = ()  # (type label, count), most first: the narrow-screen list

    @property
    def busy(self) -> bool:
        return bool(self.heat)

    @property
    def label_y(self) -> float:
        """The baseline of the lane's name: above the tallest marker (7.5 px) with room to spare."""
        return self.y - 15.0


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    """Everything the SVG needs: size, lanes with markers, axis ticks and the (fixed) key."""

    start: date
    end: date
    width: float
    height: float
    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[LegendItem, ...] = LEGEND
    plot_left: float = 10.0
    plot_right: float = 950.0

    def x_of(self, day: date) -> float:
        """Where `day` falls on the axis, exactly as the markers were placed (e.g. for a cursor)."""
        span = max(1, (self.end - self.start).days)
        clamped = min(max(day, self.start), self.end)
        return round(self.plot_left + (clamped - self.start).days / span * (self.plot_right - self.plot_left), 1)


def style_for(event_type: str | None) -> LegendItem:
    """The fixed colour and shape of an event type ("Other event" for a type not in the key)."""
    return STYLES.get(event_type or OTHER_TYPE) or STYLES[OTHER_TYPE]


def build_timeline(
    events: Iterable[ChronologyEvent],
    lanes: Sequence[tuple[str, str]],
    *,
    start: date | None = None,
    end: date | None = None,
    width: float = 960.0,
    lane_height: float = 56.0,
    label_width: float = 10.0,
    merge_within_px: float = 3.0,
    gaps: Mapping[str, str] | None = None,
    lane_name: Callable[[str], str] = readable,
) -> Timeline:
    """Lay out events between `start` and `end` (default: the events' span) on per-agency lanes.

    `lanes` is (agency key, label) in display order; agencies with events but no lane
    get one at the end (named by `lane_name`) so nothing is silently hidden. `gaps` says, per agency, why its
    lane may be incomplete (it did not answer, or withheld categories).
    """
    # In date order whatever order they came in (a whole list or merged windows): the same events, the same drawing.
    chosen = sorted(events, key=lambda e: (e.event_date, e.agency, e.sequence, e.source_record_id))
    start, end = _date_range(chosen, start, end)
    span_days = max(1, (end - start).days)
    plot_width = width - label_width - 10.0

    def x_of(day: date) -> float:
        clamped = min(max(day, start), end)
        return round(label_width + (clamped - start).days / span_days * plot_width, 1)

    lane_order = list(lanes) + [(a, lane_name(a)) for a in _extra_agencies(chosen, lanes)]
    built: list[Lane] = []
    for index, (agency, name) in enumerate(lane_order):
        # The lane's name sits on its own line 18 px above the markers' centre line.
        y = round(lane_height * index + lane_height - 18.0, 1)
        own = [event for event in chosen if event.agency == agency and _overlaps(event, start, end)]
        markers = _merge_close(tuple(_marker(event, x_of, y) for event in own), merge_within_px)
        heat: tuple[HeatCell, ...] = ()
        if len(markers) > BUSY_MARKERS:
            heat = _heat(own, start, end, x_of, y, label_width, plot_width)
            markers = tuple(m for m in markers if m.x_end is not None)  # periods still drawn as spans
        built.append(Lane(agency, name, y, markers, heat, (gaps or {}).get(agency, ""), len(own), _type_counts(own)))
    return Timeline(start, end, width, lane_height * len(lane_order), tuple(built), _ticks(start, end, x_of),
                    LEGEND, label_width, label_width + plot_width)


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


def _type_counts(events: list[ChronologyEvent]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for event in events:
        name = style_for(event.event_type).label
        counts[name] = counts.get(name, 0) + 1
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _marker(event: ChronologyEvent, x_of: Callable[[date], float], y: float) -> Marker:
    style = style_for(event.event_type)
    x_end = x_of(event.end_date) if event.end_date and event.end_date != event.event_date else None
    words = f"{style.label}, {format_event_date(event)}: {plain_value(event.title)} ({event.source_system})"
    return Marker(x_of(event.event_date), x_end, y, style.event_type, style.colour, style.shape, words,
                  event.source_record_id)


def _merge_close(markers: tuple[Marker, ...], within_px: float) -> tuple[Marker, ...]:
    """One marker for events of the same type closer than `within_px` on a lane (periods stay separate).

    Overlapping shapes look the same as one; the merged marker's label says how many
    events it stands for and over which dates.
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
    for (kind, _), group in groups.items():
        if len(group) == 1:
            kept.append(group[0])
            continue
        first, last = group[0], group[-1]
        dates = sorted((_date_of(first.label), _date_of(last.label)))
        words = f"{len(group)} events of this type ({style_for(kind).label}), {dates[0]} to {dates[1]}"
        kept.append(Marker(sum(m.x for m in group) / len(group), None, first.y, first.event_type, first.colour,
                           first.shape, words, first.source_record_id, len(group)))
    return tuple(sorted(kept, key=lambda m: m.x))


def _date_of(marker_label: str) -> str:
    return marker_label.split(", ", 1)[1].split(": ", 1)[0] if ", " in marker_label else marker_label


def _heat(events: list[ChronologyEvent], start: date, end: date, x_of: Callable[[date], float], y: float,
          left: float, plot_width: float) -> tuple[HeatCell, ...]:
    """A busy lane as equal periods, each shaded by how many events start in it and labelled with the count."""
    bins = max(1, int(plot_width // HEAT_BIN_PX))
    span_days = max(1, (end - start).days)
    counts = [0] * bins
    for event in events:
        offset = (max(event.event_date, start) - start).days
        counts[min(bins - 1, offset * bins // (span_days + 1))] += 1
    busiest = max(counts) or 1
    cells: list[HeatCell] = []
    cell_width = plot_width / bins
    for index, count in enumerate(counts):
        if not count:
            continue
        first = start + timedelta(days=index * (span_days + 1) // bins)
        last = start + timedelta(days=(index + 1) * (span_days + 1) // bins - 1)
        fill, text = HEAT[min(len(HEAT) - 1, (count * len(HEAT) - 1) // busiest)]
        noun = "event" if count == 1 else "events"
        cells.append(HeatCell(round(left + index * cell_width, 1), round(cell_width - 1, 1), y, count, fill, text,
                              f"{count} {noun}, {format_date(first)} to {format_date(min(last, end))}"))
    return tuple(cells)


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
    months = []
    while cursor <= end:
        months.append(cursor)
        cursor = _next_month(cursor)
    step = max(1, len(months) // 8)  # never so many month names that they run into each other
    return tuple(Tick(x_of(month), f"{month:%b %Y}") for month in months[::step])


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


__all__ = ["COLOURS", "LEGEND", "SHAPES", "STYLES", "HeatCell", "Lane", "LegendItem", "Marker", "Tick", "Timeline",
           "build_timeline", "style_for"]
