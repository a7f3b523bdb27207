"""Chart data and geometry for the IG dashboard: counts from trail entries, then bars in SVG coordinates.

Pure functions; the template draws the SVG and a data table from the same `BarChart`,
so the table alternative can never disagree with the picture.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from portal.audit.entry import RecordedEntry
from portal.labels import label as agency_words

CHART_WIDTH = 640
CHART_HEIGHT = 260
MARGIN_LEFT = 48
MARGIN_BOTTOM = 36
MARGIN_TOP = 12
SERIES_LIMIT = 8  # the number of distinct fill classes the stylesheet defines


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str  # e.g. "health, 03 Nov: 4 views", read out as the bar's title
    series_index: int = 0


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class BarChart:
    """Everything a template needs for the SVG and its data table."""

    chart_id: str
    title: str
    description: str
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    series: list[str]
    table_headers: list[str]
    table_rows: list[list[str]]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    horizontal: bool = False
    plot: dict[str, float] = field(default_factory=dict)


def agency_of(entry: RecordedEntry) -> str:
    """The viewer's agency: the part of "agency: organisation" before the colon."""
    organisation = entry.organisation or ""
    return organisation.split(":", 1)[0].strip() or "unknown"


def day_range(first_day: date, days: int) -> list[date]:
    return [first_day + timedelta(days=offset) for offset in range(days)]


def views_per_day(rows: Iterable[tuple[str, str, int]], days: Sequence[date]) -> dict[str, list[int]]:
    """Views per UK calendar day by viewer agency, from (`YYYY-MM-DD` UK day, agency, views) rows counted in SQL."""
    index = {day.isoformat(): position for position, day in enumerate(days)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for day, agency, views in rows:
        position = index.get(day)
        if position is not None:
            counts[agency][position] += views
    return dict(sorted(counts.items()))


def per_day(rows: Iterable[tuple[str, int]], days: Sequence[date]) -> list[int]:
    """A count per UK calendar day, from (`YYYY-MM-DD` UK day, count) rows counted in SQL."""
    index = {day.isoformat(): position for position, day in enumerate(days)}
    counts = [0] * len(days)
    for day, count in rows:
        position = index.get(day)
        if position is not None:
            counts[position] += count
    return counts


def nice_maximum(value: int) -> int:
    """A round axis top at or above `value` (1, 2, 5 × 10^n), so ticks land on whole numbers."""
    if value <= 1:
        return 1
    magnitude: int = 10 ** math.floor(math.log10(value))  # a whole power: value > 1 here
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _value_ticks(top: int, count: int = 4) -> list[int]:
    step = max(1, top // count)
    return list(range(0, top + 1, step))


@dataclass(frozen=True)
class StackedColumns:
    """Where stacked vertical bars go: one column per position, the series piled up in order."""

    series: dict[str, list[int]]
    count: int
    plot_width: float = CHART_WIDTH - MARGIN_LEFT - 8
    plot_height: float = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    @cached_property  # read for every bar: recomputing it made a year's chart quadratic
    def totals(self) -> list[int]:
        return [sum(values[position] for values in self.series.values()) for position in range(self.count)]

    @cached_property
    def top(self) -> int:
        return nice_maximum(max(self.totals, default=0))

    @property
    def slot(self) -> float:
        return self.plot_width / max(1, self.count)

    def y(self, value: int) -> float:
        return MARGIN_TOP + self.plot_height - self.plot_height * value / self.top

    def bars(self, describe: Callable[[str, int, int], str], inset: float, width: float) -> list[Bar]:
        """One bar per non-zero value, titled `describe(series, position, value)`; inset and width: slot fractions."""
        top, slot, bars = self.top, self.slot, []
        for position in range(self.count):
            stacked = 0
            for series_index, name in enumerate(self.series):
                value = self.series[name][position]
                if not value:
                    continue
                bars.append(Bar(MARGIN_LEFT + position * slot + slot * inset, self.y(stacked + value), slot * width,
                                self.plot_height * value / top, value, describe(name, position, value),
                                series_index % SERIES_LIMIT))
                stacked += value
        return bars

    def plot(self) -> dict[str, float]:
        return {"left": MARGIN_LEFT, "top": MARGIN_TOP, "bottom": MARGIN_TOP + self.plot_height,
                "right": MARGIN_LEFT + self.plot_width}


def stacked_day_chart(
    chart_id: str, title: str, description: str, days: Sequence[date], series: dict[str, list[int]], unit: str
) -> BarChart:
    """Vertical bars, one per day, stacked by series (e.g. agency)."""
    columns = StackedColumns(series, len(days))
    names, totals, slot = list(series), columns.totals, columns.slot
    # Each series' words and each day's once, not per bar: a year's chart has thousands of bars.
    words = {name: agency_words(name, "agency") for name in names}
    day_words = [f"{day.day} {day:%B}" for day in days]
    bars = columns.bars(lambda name, position, value: f"{words[name]}, {day_words[position]}: {value} {unit}",
                        inset=0.1, width=0.8)
    label_every = max(1, math.ceil(len(days) / 8))
    x_ticks = [Tick(MARGIN_LEFT + position * slot + slot / 2, f"{day:%d %b}")
               for position, day in enumerate(days) if position % label_every == 0]
    y_ticks = [Tick(columns.y(value), str(value)) for value in _value_ticks(columns.top)]
    rows = [[f"{day:%d %b %Y}", *(str(series[name][position]) for name in names), str(totals[position])]
            for position, day in enumerate(days)]
    return BarChart(chart_id, title, description, bars, x_ticks, y_ticks, names, ["Day", *names, "Total"], rows,
                    plot=columns.plot())


def ranked_bar_chart(
    chart_id: str, title: str, description: str, items: Sequence[tuple[str, int]], headers: tuple[str, str]
) -> BarChart:
    """Horizontal bars, largest first, with each bar's label beside it."""
    label_width = 260
    row_height = 22
    height = max(60, MARGIN_TOP + row_height * len(items) + 28)
    plot_width = CHART_WIDTH - label_width - 48
    top = nice_maximum(max((value for _, value in items), default=0))
    bars = [
        Bar(label_width, MARGIN_TOP + position * row_height + 3, plot_width * value / top, row_height - 6, value,
            f"{name}: {value}")
        for position, (name, value) in enumerate(items)
    ]
    y_ticks = [Tick(MARGIN_TOP + position * row_height + row_height / 2, name) for position, (name, _) in
               enumerate(items)]
    x_ticks = [Tick(label_width + plot_width * value / top, str(value)) for value in _value_ticks(top)]
    rows = [[name, str(value)] for name, value in items]
    return BarChart(chart_id, title, description, bars, x_ticks, y_ticks, [], list(headers), rows, height=height,
                    horizontal=True, plot={"left": label_width, "top": MARGIN_TOP,
                                           "bottom": height - 24, "right": label_width + plot_width})
