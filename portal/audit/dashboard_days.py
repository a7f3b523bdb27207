"""The IG dashboard's views per UK calendar day and viewer agency.

A year of `audit_hourly_views` is some 44,000 rows (UTC hour × viewer agency); the charts
want under 2,000 (UK day × agency). UK clocks are UTC or one hour ahead (BST) and change on
the hour, so an hourly row's UK day is its UTC day, except that 23:00 UTC on a BST evening is
already the next UK day: the rollup sums each summarised day's hours onto its UK days once
(`audit_daily_uk_views`, see `portal.audit.dashboard_sql`), and the raw pieces of a period
(part days, today) are few hours, mapped here the same way. (The out-of-hours flag counts
from the hours themselves: `portal.audit.dashboard_hours`.)
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from portal.audit.dashboard_sql import UK_VIEWS, hourly_select
from portal.audit.flow_sql import run
from portal.audit.rollup import PeriodPlan, span
from portal.audit.viewer_children import UK

DayCounts = tuple[Counter[tuple[str, str]], Counter[str]]  # views by (UK day, agency), break-glass by UK day


def uk_day_of_hour(hour: str) -> str:
    """The UK calendar day (`YYYY-MM-DD`) of a `YYYY-MM-DD HH` UTC hour (UK offsets are whole hours)."""
    utc = datetime(int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=UTC)
    return utc.astimezone(UK).date().isoformat()


def uk_day_counts(connection: Connection, plan: PeriodPlan) -> DayCounts:
    """Views per (UK day, viewer agency) and break-glass starts per UK day over the period: the summarised days
    summed in the database, the raw pieces from their hourly counts. UK days at the period's edges are partly
    counted, as the hours in the period make them."""
    views: Counter[tuple[str, str]] = Counter()
    glass: Counter[str] = Counter()
    if plan.summarised:
        rows = connection.execute(text(f"SELECT uk_day, agency, SUM(views), SUM(break_glass) FROM {UK_VIEWS} "
                                       "WHERE day >= :first AND day <= :last GROUP BY 1, 2"), span(plan))
        for day, agency, n_views, n_glass in rows:
            views[(str(day), agency or "unknown")] += int(n_views)
            glass[str(day)] += int(n_glass)
    sql = hourly_select(connection.dialect.name, "'raw'")
    for start, end in plan.raw:
        for _, hour, agency, n_views, n_glass in run(connection, sql, start, end):
            day = uk_day_of_hour(str(hour))
            views[(day, agency or "unknown")] += int(n_views)
            glass[day] += int(n_glass)
    return views, glass
