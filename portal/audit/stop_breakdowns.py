"""Stoppages broken down by any of the cube's keys: one grouped pass over the cube per breakdown, reasons side by side.

The cube holds one column per stop reason, so a breakdown groups it once with every reason's
sum in its own column and turns the few result rows into (keys…, reason) rows here, rather
than stacking the cube seven times (one per reason) and grouping the stack: at a year the cube
is ten thousand rows, the stack seventy thousand. Refusals and break-glass starts come from the
entry counts, with no source agency. Needs `build_cube` run first on the same connection.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from portal.audit.entry_counts import ENTRY_COUNTS
from portal.audit.flow_sql import CUBE, ENTRY_REASONS, SOURCE_REASONS

Key = tuple[Any, ...]


def _grouped(keys: list[str]) -> tuple[str, str]:
    """The SELECT list prefix and GROUP BY clause for `keys` (SQL expressions), empty when there are none."""
    if not keys:
        return "", ""
    return ", ".join(keys) + ", ", " GROUP BY " + ", ".join(str(n) for n in range(1, len(keys) + 1))


def stop_totals(connection: Connection, keys: dict[str, str]) -> dict[Key, list[int]]:
    """{(key values…, reason): [occurrences, items held back]} for every reason with occurrences, grouped by
    `keys` ({name: SQL over the cube's columns}; "agency" is None for the whole-entry stops)."""
    totals: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    cube_keys = list(keys.values())
    select, group = _grouped(cube_keys)
    sums = ", ".join(f"SUM(n_{reason}), SUM(i_{reason})" for reason in SOURCE_REASONS)
    for row in connection.exec_driver_sql(f"SELECT {select}{sums} FROM {CUBE}{group}"):
        values = [int(value) if isinstance(value, Decimal) else value for value in row]
        prefix = tuple(values[:len(cube_keys)])
        for index, reason in enumerate(SOURCE_REASONS):
            n, items = values[len(cube_keys) + 2 * index], values[len(cube_keys) + 2 * index + 1]
            if n:
                totals[(*prefix, reason)][0] += int(n)
                totals[(*prefix, reason)][1] += int(items or 0)
    entry_keys = [sql for name, sql in keys.items() if name != "agency"]
    select, group = _grouped(entry_keys)
    sums = ", ".join(f"SUM(n_{reason})" for reason in ENTRY_REASONS)
    for row in connection.exec_driver_sql(f"SELECT {select}{sums} FROM {ENTRY_COUNTS}{group}"):
        values = list(row)
        by_name = dict(zip([name for name in keys if name != "agency"], values, strict=False))
        prefix = tuple(None if name == "agency" else by_name[name] for name in keys)
        for index, reason in enumerate(ENTRY_REASONS):
            n = values[len(entry_keys) + index]
            if n:
                totals[(*prefix, reason)][0] += int(n)
    return dict(totals)


def sort_key(row: Key) -> tuple[tuple[bool, str], ...]:
    """Order rows by their values, None last in each place (as PostgreSQL orders them)."""
    return tuple((value is None, str(value) if value is not None else "") for value in row)
