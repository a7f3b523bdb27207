"""From figures to pictures: the flow diagram's links and the monthly trend charts (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portal.audit.flow_queries import Flows
from portal.audit.flow_sql import ENTRY_REASONS
from portal.ig.charts import MARGIN_LEFT, BarChart, StackedColumns, Tick
from portal.transparency.diagram import FlowDiagram, Link, layout
from portal.transparency.labels import (
    REASON_CLASSES,
    REASON_LABELS,
    agency_label,
    organisation_label,
    purpose_label,
    reason_label,
)

SERIES_LIMIT = 8


def flow_links(flows: Flows) -> list[Link]:
    """Organisations → purposes (views), purposes → agencies (times asked), and every stoppage as a branch
    that ends: refusals and break-glass from the organisation, the rest from the source agency."""
    links = [Link((0, organisation_label(org)), (1, purpose_label(purpose)), int(n))
             for org, purpose, n in flows.views_by_org_purpose]
    links += [Link((0, organisation_label(org)), (1, reason_label(reason)), int(n), str(reason))
              for org, reason, n in flows.stops_by_org if reason in ENTRY_REASONS]
    links += [Link((1, purpose_label(purpose)), (2, agency_label(agency)), int(asked))
              for purpose, agency, asked, _answered, _items in flows.sources_by_purpose_agency]
    links += [Link((2, agency_label(agency)), (3, reason_label(reason)), int(n), str(reason))
              for agency, reason, n in flows.stops_by_agency if agency is not None]
    return links


def flow_diagram(flows: Flows) -> FlowDiagram:
    return layout(flow_links(flows), REASON_CLASSES)


def published_flow_links(snapshot: dict[str, Any]) -> list[Link]:
    """The same diagram from a published snapshot: suppressed figures are left out (and said so in its table)."""
    tables = {table["id"]: table for table in snapshot["tables"]}
    reason_of = {label: code for code, label in REASON_LABELS.items()}
    links: list[Link] = []
    spans = (("views_by_organisation_and_purpose", 0, 1), ("sources_asked_by_purpose", 1, 2),
             ("stoppages_by_reason_and_agency", 2, 3))
    for table_id, left, right in spans:
        table = tables.get(table_id)
        if table is None:
            continue
        for row in table["rows"]:
            for column, cell in zip(table["columns"], row["cells"], strict=True):
                if cell.get("value"):
                    if table_id.startswith("stoppages"):
                        reason = reason_of.get(row["label"])
                        source = (0, "All organisations") if reason in ENTRY_REASONS else (left, column)
                        links.append(Link(source, (right, row["label"]), int(cell["value"]), reason))
                    else:
                        links.append(Link((left, row["label"]), (right, column), int(cell["value"])))
    return links


def month_chart(chart_id: str, title: str, description: str, months: Sequence[str],
                series: dict[str, list[int]], unit: str) -> BarChart:
    """Vertical bars, one per month, stacked by series; the same BarChart the IG dashboard's macro draws."""
    columns = StackedColumns(series, len(months))
    names, totals, slot = list(series), columns.totals, columns.slot
    bars = columns.bars(lambda name, position, value: f"{name}, {months[position]}: {value:,} {unit}",
                        inset=0.15, width=0.7)
    x_ticks = [Tick(MARGIN_LEFT + position * slot + slot / 2, month) for position, month in enumerate(months)]
    step = max(1, columns.top // 4)
    y_ticks = [Tick(columns.y(value), f"{value:,}") for value in range(0, columns.top + 1, step)]
    rows = [[month, *(f"{series[name][i]:,}" for name in names), f"{totals[i]:,}"] for i, month in enumerate(months)]
    return BarChart(chart_id, title, description, bars, x_ticks, y_ticks, names, ["Month", *names, "Total"], rows,
                    plot=columns.plot())


def trend_charts(flows: Flows) -> list[BarChart]:
    """Views by month, and stoppages by month stacked by reason."""
    months = sorted({str(row[0]) for row in flows.views_by_month} | {str(row[0]) for row in flows.stops_by_month})
    views = {str(month): int(n) for month, n in flows.views_by_month}
    reasons = [reason for reason in REASON_LABELS if any(row[1] == reason for row in flows.stops_by_month)]
    stops = {reason_label(reason): [0] * len(months) for reason in reasons}
    for month, reason, n in flows.stops_by_month:
        stops[reason_label(reason)][months.index(str(month))] = int(n)
    return [
        month_chart("views-by-month", "Views by month", "Bars: how many times a child's record was shown, "
                    "each month of the period.", months, {"Views": [views.get(m, 0) for m in months]}, "views"),
        month_chart("stoppages-by-month", "Stoppages by month", "Stacked bars: where information stopped each "
                    "month, split by reason.", months, stops, "stoppages"),
    ]
