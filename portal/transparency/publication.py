"""A snapshot fit to publish: organisation-level tables, suppressed together, as JSON and CSV.

Nothing below organisation level goes in (no child, user or team): the tables are
built only from the grouped figures in `Flows`, whose finest keys are organisation,
role, purpose, source agency, reason and month.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TextIO

from portal.audit.flow_queries import Flows
from portal.spreadsheet import spreadsheet_safe
from portal.transparency.labels import (
    REASON_LABELS,
    agency_label,
    organisation_label,
    purpose_label,
    reason_label,
    role_label,
)
from portal.transparency.suppression import PRIMARY, SMALLEST_SHOWN, Grid, suppress_together

SCHEMA_VERSION = "scv-transparency-snapshot-v1"
TOTAL = "Total"
CSV_HEADER = ("table_id", "table_title", "row", "column", "value", "suppressed")
Label = Callable[[object], str]


@dataclass(frozen=True)
class TableSpec:
    """One published table: where its counts come from and which of its totals other tables share."""

    table_id: str
    title: str
    row_header: str
    measure: str  # what is counted; totals of the same measure and dimension are shared between tables
    row_dimension: str
    column_dimension: str
    triples: list[tuple[object, object, int]]  # (row key, column key, count)
    row_label: Label
    column_label: Label


def _specs(flows: Flows) -> list[TableSpec]:
    sources = flows.sources_by_purpose_agency
    return [
        TableSpec("views_by_organisation_and_role", "Views by requesting organisation and role", "Organisation",
                  "views", "organisation", "role", [(o, r, int(n)) for o, r, n in flows.views_by_org_role],
                  organisation_label, role_label),
        TableSpec("views_by_organisation_and_purpose", "Views by requesting organisation and purpose",
                  "Organisation", "views", "organisation", "purpose",
                  [(o, p, int(n)) for o, p, n in flows.views_by_org_purpose], organisation_label, purpose_label),
        TableSpec("sources_asked_by_purpose", "Times each source agency was asked, by purpose", "Purpose",
                  "asked", "purpose", "agency", [(p, a, int(n)) for p, a, n, _, _ in sources],
                  purpose_label, agency_label),
        TableSpec("items_returned_by_purpose", "Items each source agency returned, by purpose", "Purpose",
                  "items", "purpose", "agency", [(p, a, int(i or 0)) for p, a, _, _, i in sources],
                  purpose_label, agency_label),
        TableSpec("stoppages_by_reason_and_agency", "Stoppages by reason and source agency", "Reason",
                  "stops", "reason", "agency", [(r, a, int(n)) for a, r, n in flows.stops_by_agency],
                  reason_label, agency_label),
        TableSpec("views_by_month", "Views by month", "Month", "views", "month", "all",
                  [(m, "views", int(n)) for m, n in flows.views_by_month], str, lambda _: "Views"),
        TableSpec("stoppages_by_month_and_reason", "Stoppages by month and reason", "Month", "stops", "month",
                  "reason", [(m, r, int(n)) for m, r, n in flows.stops_by_month], str, reason_label),
    ]


def _order(keys: Iterable[object], dimension: str) -> list[object]:
    unique = list(dict.fromkeys(keys))
    if dimension == "reason":
        rank = list(REASON_LABELS)
        return sorted(unique, key=lambda key: (rank.index(key) if key in rank else len(rank), str(key)))
    return sorted(unique, key=lambda key: (key is None, str(key)))


def _grid(spec: TableSpec) -> tuple[Grid, list[object], list[object]]:
    rows = _order((r for r, _, _ in spec.triples), spec.row_dimension)
    columns = _order((c for _, c, _ in spec.triples), spec.column_dimension)
    cells = [[0] * len(columns) for _ in rows]
    for row, column, count in spec.triples:
        cells[rows.index(row)][columns.index(column)] += count
    height, width = len(rows), len(columns)
    keys: dict[tuple[int, int], Hashable] = {(height, width): (spec.measure, "all")}
    for r, row in enumerate(rows):
        keys[(r, width)] = (spec.measure, spec.row_dimension, row)
    for c, column in enumerate(columns):
        keys[(height, c)] = (spec.measure, spec.column_dimension, column)
    return Grid(cells, keys), rows, columns


def _cell(value: int, hidden: dict[tuple[int, int], str], position: tuple[int, int]) -> dict[str, Any]:
    if position in hidden:
        return {"value": None, "suppressed": hidden[position]}
    return {"value": value}


def build_snapshot(flows: Flows, start: date, end: date, published_at: datetime) -> dict[str, Any]:
    """The snapshot as published: every figure already suppressed. `start` and `end` are UK days, inclusive."""
    specs = [spec for spec in _specs(flows) if spec.triples]
    built = [_grid(spec) for spec in specs]
    hidden_per_table = suppress_together([grid for grid, _, _ in built])
    tables = []
    for spec, (grid, rows, columns), hidden in zip(specs, built, hidden_per_table, strict=True):
        values = grid.extended
        height, width = len(rows), len(columns)
        tables.append({
            "id": spec.table_id,
            "title": spec.title,
            "row_header": spec.row_header,
            "columns": [spec.column_label(column) for column in columns],
            "rows": [
                {"label": spec.row_label(row),
                 "cells": [_cell(values[r][c], hidden, (r, c)) for c in range(width)],
                 "total": _cell(values[r][width], hidden, (r, width))}
                for r, row in enumerate(rows)
            ],
            "totals": {"cells": [_cell(values[height][c], hidden, (height, c)) for c in range(width)],
                       "total": _cell(values[height][width], hidden, (height, width))},
        })
    return {
        "schema": SCHEMA_VERSION,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "published_at": published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "suppression": {"smallest_shown": SMALLEST_SHOWN,
                        "rule": "counts 1 to 4 are shown as fewer than 5; a second figure in the same row or "
                                "column is withheld where subtraction could reveal one"},
        "tables": tables,
    }


def snapshot_json(snapshot: dict[str, Any]) -> str:
    """The canonical JSON text of a snapshot (sorted keys), the form that is stored, hashed and downloaded."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, indent=1)


def snapshot_digest(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(snapshot_json(snapshot).encode("utf-8")).hexdigest()


def iter_published_values(snapshot: dict[str, Any]) -> Iterable[tuple[str, str, str, dict[str, Any]]]:
    """(table id, row label, column label, cell) for every figure, totals included."""
    for table in snapshot["tables"]:
        columns = [*table["columns"], TOTAL]
        for row in table["rows"]:
            for column, cell in zip(columns, [*row["cells"], row["total"]], strict=True):
                yield table["id"], row["label"], column, cell
        for column, cell in zip(columns, [*table["totals"]["cells"], table["totals"]["total"]], strict=True):
            yield table["id"], TOTAL, column, cell


def write_snapshot_csv(snapshot: dict[str, Any], out: TextIO) -> int:
    """Tidy CSV: one line per figure, an empty value where suppressed; returns the number of lines."""
    titles = {table["id"]: table["title"] for table in snapshot["tables"]}
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    written = 0
    for table_id, row, column, cell in iter_published_values(snapshot):
        value = "" if cell["value"] is None else str(cell["value"])
        # Organisation names come from configuration; still, never hand a spreadsheet a formula.
        writer.writerow([table_id, titles[table_id], spreadsheet_safe(row), spreadsheet_safe(column), value,
                         cell.get("suppressed", "")])
        written += 1
    return written


def cell_text(cell: dict[str, Any]) -> str:
    """How a published figure reads on the page."""
    if cell.get("suppressed") == PRIMARY:
        return "fewer than 5"
    if cell.get("suppressed"):
        return "not shown"
    return f"{cell['value']:,}"
