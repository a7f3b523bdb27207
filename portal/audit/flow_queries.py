"""Partnership-wide flows and stoppages for a period, aggregated in SQL from the audit trail alone.

Every function returns plain rows (tuples of labels and counts); grouping, counting
and summing happen in the database so the figures scale with the trail, not with
the portal's memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from portal.audit.bind import Bind, read_connection
from portal.audit.entry_counts import ENTRY_COUNTS
from portal.audit.flow_sql import CUBE, build_cube, run
from portal.audit.stop_breakdowns import sort_key, stop_totals

# A result row of raw SQL: its values are whatever the driver returns (str, int, None), unknown to the type checker.
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Flows:
    """Everything the flows page and a published snapshot are built from, for one period."""

    views_by_org_role: list[Row]  # (organisation, role, views)
    views_by_org_purpose: list[Row]  # (organisation, purpose, views)
    sources_by_purpose_agency: list[Row]  # (purpose, agency, times asked, answered, items returned)
    stops_by_reason: list[Row]  # (reason, occurrences, items)
    stops_by_purpose_agency: list[Row]  # (purpose, agency or None, reason, occurrences)
    stops_by_org: list[Row]  # (organisation, reason, occurrences)
    stops_by_agency: list[Row]  # (agency or None, reason, occurrences)
    views_by_month: list[Row]  # (YYYY-MM, views)
    stops_by_month: list[Row]  # (YYYY-MM, reason, occurrences)

    @property
    def total_views(self) -> int:
        return sum(int(row[2]) for row in self.views_by_org_role)


def _rows(connection: Connection, sql: str, start: datetime, end: datetime) -> list[Row]:
    return [tuple(row) for row in run(connection, sql, start, end)]


def views_grouped(connection: Connection, start: datetime, end: datetime, first: str, second: str) -> list[Row]:
    """Successful views in the period counted by two entry columns (e.g. organisation and role); from the
    entry counts (`build_cube` first)."""
    columns = {"organisation", "user_role", "purpose_code"}
    if first not in columns or second not in columns:
        raise ValueError("views can be grouped by organisation, user_role or purpose_code")
    sql = (f"SELECT {first}, {second}, SUM(views) FROM {ENTRY_COUNTS} "
           f"GROUP BY {first}, {second} HAVING SUM(views) > 0 ORDER BY {first}, {second}")
    return _rows(connection, sql, start, end)


def sources_by_purpose_agency(connection: Connection, start: datetime, end: datetime) -> list[Row]:
    """How often each agency was asked for each purpose, how often it answered, and the items it returned
    (from the cube: `build_cube` first)."""
    sql = f"""SELECT purpose_code, agency, SUM(asked), SUM(answered), SUM(items) FROM {CUBE}
              GROUP BY purpose_code, agency ORDER BY purpose_code, agency"""
    return _rows(connection, sql, start, end)


def stops_grouped(connection: Connection, start: datetime, end: datetime, columns: tuple[str, ...]) -> list[Row]:
    """Stoppages in the period counted by the given columns of the cube (plus reason, always last)."""
    allowed = {"organisation", "user_role", "purpose_code", "agency", "month"}
    if not set(columns) <= allowed:
        raise ValueError(f"stoppages can be grouped by {sorted(allowed)}")
    totals = stop_totals(connection, {column: column for column in columns})
    return sorted(((*key, n) for key, (n, _) in totals.items()), key=lambda row: sort_key(row[:-1]))


def stops_by_reason(connection: Connection, start: datetime, end: datetime) -> list[Row]:
    """(reason, occurrences, items held back) for the period."""
    return sorted((reason, n, items) for (reason,), (n, items) in stop_totals(connection, {}).items())


def views_by_month(connection: Connection, start: datetime, end: datetime) -> list[Row]:
    sql = f"SELECT month, SUM(views) FROM {ENTRY_COUNTS} GROUP BY 1 HAVING SUM(views) > 0 ORDER BY 1"
    return _rows(connection, sql, start, end)


def flows_for_period(bind: Bind, start: datetime, end: datetime) -> Flows:
    """All the flows-and-stoppages figures for [start, end): one pass over the sources' JSON into the cube,
    then every breakdown from it."""
    with read_connection(bind) as connection:
        build_cube(connection, start, end)
        return Flows(
            views_by_org_role=views_grouped(connection, start, end, "organisation", "user_role"),
            views_by_org_purpose=views_grouped(connection, start, end, "organisation", "purpose_code"),
            sources_by_purpose_agency=sources_by_purpose_agency(connection, start, end),
            stops_by_reason=stops_by_reason(connection, start, end),
            stops_by_purpose_agency=stops_grouped(connection, start, end, ("purpose_code", "agency")),
            stops_by_org=stops_grouped(connection, start, end, ("organisation",)),
            stops_by_agency=stops_grouped(connection, start, end, ("agency",)),
            views_by_month=views_by_month(connection, start, end),
            stops_by_month=stops_grouped(connection, start, end, ("month",)),
        )
