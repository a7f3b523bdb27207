"""The IG dashboard's hourly counts summed onto UK calendar days, in the database.

A year of `audit_hourly_views` is some 44,000 rows (UTC hour × viewer agency); the charts
want a few hundred (UK day × agency). (The out-of-hours flag counts from the hours
themselves: `portal.audit.dashboard_hours`.)
UK clocks are UTC or one hour ahead (BST) and change on the hour, so an hourly row's UK day
is its UTC day, except that 23:00 UTC on a BST evening is already the next UK day. Which
UTC days have such an evening is worked out here from the time zone (one or two runs a
year) and handed to SQL, which SQLite cannot do with time zones itself. The raw pieces of
a period (part days, today) are few hours and are mapped in Python the same way.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, text

from portal.audit.dashboard_flags_sql import shifted_day
from portal.audit.dashboard_sql import HOURLY, hourly_select
from portal.audit.flow_sql import run
from portal.audit.rollup import PeriodPlan, in_runs, span
from portal.audit.viewer_children import UK

DayCounts = tuple[Counter[tuple[str, str]], Counter[str]]  # views by (UK day, agency), break-glass by UK day


def _late_evening(day: date) -> bool:
    """Whether 23:00 UTC on `day` is already the next UK calendar day (a BST evening)."""
    return datetime.combine(day, time(23), tzinfo=UTC).astimezone(UK).date() != day


def bst_evening_runs(first: date, last: date) -> list[tuple[str, str]]:
    """(first, last) runs of the UTC days in [first, last] whose 23:00 UTC hour belongs to the next UK day."""
    runs: list[tuple[str, str]] = []
    day = first
    while day <= last:
        if _late_evening(day):
            if runs and runs[-1][1] == (day - timedelta(days=1)).isoformat():
                runs[-1] = (runs[-1][0], day.isoformat())
            else:
                runs.append((day.isoformat(), day.isoformat()))
        day += timedelta(days=1)
    return runs


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
    dialect = connection.dialect.name
    if plan.summarised:
        runs = bst_evening_runs(plan.summarised[0], plan.summarised[-1])
        uk_day, params = "day", dict(span(plan))
        if runs:
            evening, run_params = in_runs(runs)
            uk_day = f"CASE WHEN substr(hour, 12, 2) = '23' AND ({evening}) THEN {shifted_day(dialect, 'day', 1)} " \
                     "ELSE day END"
            params |= run_params
        rows = connection.execute(text(f"SELECT {uk_day}, agency, SUM(views), SUM(break_glass) FROM {HOURLY} "
                                       "WHERE day >= :first AND day <= :last GROUP BY 1, 2"), params)
        for day, agency, n_views, n_glass in rows:
            views[(str(day), agency or "unknown")] += int(n_views)
            glass[str(day)] += int(n_glass)
    sql = hourly_select(dialect, "'raw'")
    for start, end in plan.raw:
        for _, hour, agency, n_views, n_glass in run(connection, sql, start, end):
            day = uk_day_of_hour(str(hour))
            views[(day, agency or "unknown")] += int(n_views)
            glass[day] += int(n_glass)
    return views, glass
