"""The IG dashboard's out-of-hours views counted in the database from the rollup's UK hours, not hour by hour in
Python.

Working hours start and end on the hour and UK clocks differ from UTC by whole hours, so
each UTC hour is wholly in or out of hours. The rollup stores, for each summarised UTC hour
with views, its UK hour of the day and whether its UK day is a weekend
(`audit_daily_uk_hours`), so a year's count is integer comparisons over some 8,700 rows.
The raw pieces of a period (part days, today) are few hours and are judged in Python with
the flag's own rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from portal.audit.dashboard_sql import UK_HOURS, hourly_select
from portal.audit.flow_sql import run
from portal.audit.rollup import PeriodPlan, span

HourViews = tuple[str, int]  # (UTC hour `YYYY-MM-DD HH`, successful views)


def out_of_hours_views(connection: Connection, plan: PeriodPlan, working: tuple[int, int],
                       hour_is_out: Callable[[datetime], bool], earliest: int) -> tuple[int, list[HourViews]]:
    """(views out of hours over the period, the first hours holding them with their views: at least `earliest`
    views' worth where there are that many, in hour order). `hour_is_out` judges the raw pieces' hours."""
    total = 0
    hours: list[HourViews] = []
    if plan.summarised:
        where = ("day >= :first AND day <= :last "
                 "AND (weekend = 1 OR uk_hour < :working_start OR uk_hour >= :working_end)")
        params = {**span(plan), "working_start": working[0], "working_end": working[1]}
        total += int(connection.execute(text(f"SELECT COALESCE(SUM(views), 0) FROM {UK_HOURS} WHERE {where}"),
                                        params).scalar_one())
        # One row per hour, each with a view: the first `earliest` hours hold at least `earliest` views.
        hours += [(str(hour), int(views)) for hour, views in connection.execute(
            text(f"SELECT hour, views FROM {UK_HOURS} WHERE {where} ORDER BY hour LIMIT :earliest"),
            params | {"earliest": earliest})]
    raw: dict[str, int] = {}
    sql = hourly_select(connection.dialect.name, "'raw'")
    for start, end in plan.raw:
        for _, hour, _, views, _ in run(connection, sql, start, end):
            raw[str(hour)] = raw.get(str(hour), 0) + int(views)
    for hour, views in raw.items():
        if views and hour_is_out(_hour_start(hour)):
            total += views
            hours.append((hour, views))
    return total, sorted(hours)


def _hour_start(hour: str) -> datetime:
    """A `YYYY-MM-DD HH` UTC hour as an instant."""
    return datetime(int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=UTC)
