"""The IG dashboard's out-of-hours views counted from the hourly rollup in the database, not hour by hour in Python.

A year of summarised days is some 8,700 hours with views. Working hours start and end on
the hour and UK clocks differ from UTC by whole hours, so each hourly row is wholly in or
out of hours: its UK hour is its UTC hour, plus one while BST is in force, and its UK day
(for weekends) is its UTC day, or the next one for 23:00 UTC under BST. The BST spans of
the period are worked out here from the time zone and handed to SQL as ranges of the
rollup's `YYYY-MM-DD HH` hour text (SQLite has no time zones). The raw pieces of a period
(part days, today) are few hours and are judged in Python with the flag's own rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, text

from portal.audit.dashboard_flags_sql import shifted_day
from portal.audit.dashboard_sql import HOURLY, hourly_select
from portal.audit.flow_sql import run
from portal.audit.rollup import PeriodPlan, span
from portal.audit.viewer_children import UK

HourViews = tuple[str, int]  # (UTC hour `YYYY-MM-DD HH`, successful views)


def _in_bst(moment: datetime) -> bool:
    return moment.astimezone(UK).utcoffset() != timedelta(0)


def bst_hour_ranges(first: date, last: date) -> list[tuple[str, str]]:
    """[from, to) ranges of UTC hours (`YYYY-MM-DD HH`) within the days [first, last] when the UK is on BST."""
    ranges: list[tuple[str, str]] = []
    began: datetime | None = None
    moment = datetime.combine(first, time(), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
    while moment < end:
        summer = _in_bst(moment)
        if summer and began is None:
            began = moment
        elif not summer and began is not None:
            ranges.append((f"{began:%Y-%m-%d %H}", f"{moment:%Y-%m-%d %H}"))
            began = None
        # Clocks change only at 01:00 UTC: a day whose two ends agree has no change inside, so skip it whole.
        following = moment + timedelta(days=1) if moment.hour == 0 and _in_bst(moment + timedelta(days=1)) == summer \
            else moment + timedelta(hours=1)
        moment = min(following, end)
    if began is not None:
        ranges.append((f"{began:%Y-%m-%d %H}", f"{end:%Y-%m-%d %H}"))
    return ranges


def _weekend(dialect: str, day: str) -> str:
    """Whether the `YYYY-MM-DD` text `day` is a Saturday or Sunday."""
    if dialect == "postgresql":
        return f"EXTRACT(ISODOW FROM CAST({day} AS date)) >= 6"
    return f"strftime('%w', {day}) IN ('0', '6')"


def out_of_hours_condition(dialect: str, first: date, last: date, working: tuple[int, int]
                           ) -> tuple[str, dict[str, object]]:
    """A condition on the hourly rollup's rows (days [first, last]) true when the row's hour is out of hours,
    `working` being the (start, end) UK hours of the working day, and its parameters."""
    terms: list[str] = []
    params: dict[str, object] = {}
    for n, (began, ended) in enumerate(bst_hour_ranges(first, last)):
        terms.append(f"(hour >= :bst_from_{n} AND hour < :bst_to_{n})")
        params |= {f"bst_from_{n}": began, f"bst_to_{n}": ended}
    summer = f"({' OR '.join(terms)})" if terms else "1 = 0"
    uk_hour = f"((CAST(substr(hour, 12, 2) AS INTEGER) + CASE WHEN {summer} THEN 1 ELSE 0 END) % 24)"
    uk_day = f"(CASE WHEN {summer} AND substr(hour, 12, 2) = '23' THEN {shifted_day(dialect, 'day', 1)} ELSE day END)"
    params |= {"working_start": working[0], "working_end": working[1]}
    return f"({_weekend(dialect, uk_day)} OR {uk_hour} < :working_start OR {uk_hour} >= :working_end)", params


def out_of_hours_views(connection: Connection, plan: PeriodPlan, working: tuple[int, int],
                       hour_is_out: Callable[[datetime], bool], earliest: int) -> tuple[int, list[HourViews]]:
    """(views out of hours over the period, the first hours holding them with their views: at least `earliest`
    views' worth where there are that many, in hour order). `hour_is_out` judges the raw pieces' hours."""
    total = 0
    hours: list[HourViews] = []
    if plan.summarised:
        condition, params = out_of_hours_condition(connection.dialect.name, plan.summarised[0],
                                                   plan.summarised[-1], working)
        where = f"day >= :first AND day <= :last AND views > 0 AND {condition}"
        params |= span(plan)
        total += int(connection.execute(text(f"SELECT COALESCE(SUM(views), 0) FROM {HOURLY} WHERE {where}"),
                                        params).scalar_one())
        # Every listed hour holds a view, so the first `earliest` hours hold at least `earliest` views.
        hours += [(str(hour), int(views)) for hour, views in connection.execute(
            text(f"SELECT hour, SUM(views) FROM {HOURLY} WHERE {where} GROUP BY hour ORDER BY hour LIMIT :earliest"),
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
