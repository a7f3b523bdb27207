"""Whole UTC months and weeks of the daily rollup, summed once, so a long period reads a dozen rows per key, not 365.

A month (or a Monday-to-Sunday week) is summed when every one of its days from the trail's
first day on is summarised and the month has ended; its marker row goes in first, in the same
transaction, so reruns and concurrent runs sum it once. The sums are of the daily rows, so a
page that reads a month's row gets exactly what it would from the month's days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import IntegrityError

from portal.audit.entry_counts import COUNTS as ENTRY_COUNT_COLUMNS
from portal.audit.entry_counts import KEYS as ENTRY_KEYS
from portal.audit.flow_sql import CUBE_KEYS, cube_columns
from portal.audit.models import UtcDateTime

MONTHS = "audit_rollup_months"
WEEKS = "audit_rollup_weeks"


@dataclass(frozen=True)
class Summed:
    """A coarse table summing a daily one: its name, the daily table, the key and count columns."""

    table: str
    daily: str
    keys: tuple[str, ...]
    counts: tuple[str, ...]


MONTHLY_FLOWS = Summed("audit_monthly_flows", "audit_daily_flows", CUBE_KEYS[1:], tuple(cube_columns()))
MONTHLY_ENTRIES = Summed("audit_monthly_entries", "audit_daily_entries", ENTRY_KEYS, ENTRY_COUNT_COLUMNS)
MONTHLY_CLAUSES = Summed("audit_monthly_clauses", "audit_daily_clauses", ("clause",), ("views",))
MONTHLY_USERS = Summed("audit_monthly_users", "audit_daily_users", ("user_id", "user_display_name"),
                       ("views", "child_views", "refusals"))
WEEKLY_CALLS = Summed("audit_weekly_calls", "audit_daily_calls", ("agency", "status", "bucket_ms"), ("calls",))
MONTHLY = (MONTHLY_FLOWS, MONTHLY_ENTRIES, MONTHLY_CLAUSES, MONTHLY_USERS)


def month_days(month: str) -> tuple[date, date]:
    """The first and last day of a `YYYY-MM` month."""
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def week_days(week: str) -> tuple[date, date]:
    """The Monday and Sunday of a week named by its Monday."""
    monday = date.fromisoformat(week)
    return monday, monday + timedelta(days=6)


def months_between(first: date, last: date) -> list[str]:
    """Every `YYYY-MM` from `first`'s month to `last`'s."""
    months, cursor = [], first.replace(day=1)
    while cursor <= last:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def weeks_between(first: date, last: date) -> list[str]:
    """Every week (its Monday) from `first`'s week to `last`'s."""
    cursor = first - timedelta(days=first.weekday())
    weeks = []
    while cursor <= last:
        weeks.append(cursor.isoformat())
        cursor += timedelta(days=7)
    return weeks


def _sum_into(connection: Connection, summed: Summed, key: str, first: date, last: date) -> None:
    keys = ", ".join(summed.keys)
    sums = ", ".join(f"SUM({column})" for column in summed.counts)
    key_column = "week" if summed is WEEKLY_CALLS else "month"
    connection.execute(text(f"INSERT INTO {summed.table} ({key_column}, {keys}, {', '.join(summed.counts)}) "
                            f"SELECT :key, {keys}, {sums} FROM {summed.daily} "
                            f"WHERE day >= :first AND day <= :last GROUP BY {keys}"),
                       {"key": key, "first": first.isoformat(), "last": last.isoformat()})


def _marked(connection: Connection, marker: str, column: str) -> set[str]:
    return {str(key) for (key,) in connection.execute(text(f"SELECT {column} FROM {marker}"))}


def summarise_spans(engine: Engine, trail_first: date, today: date, summarised: set[date]) -> list[str]:
    """Sum every ended month and week whose days (from `trail_first`) are all in `summarised`; return their keys."""
    with engine.connect() as connection:
        months_done = _marked(connection, MONTHS, "month")
        weeks_done = _marked(connection, WEEKS, "week")
    spans: list[tuple[str, str, str, tuple[Summed, ...], date, date]] = []
    for month in months_between(trail_first, today):
        first, last = month_days(month)
        spans.append((MONTHS, "month", month, MONTHLY, max(first, trail_first), last))
    for week in weeks_between(trail_first, today):
        first, last = week_days(week)
        spans.append((WEEKS, "week", week, (WEEKLY_CALLS,), max(first, trail_first), last))
    done = []
    for marker, column, key, tables, first, last in spans:
        if key in (months_done if marker == MONTHS else weeks_done) or last >= today:
            continue
        if any(first + timedelta(days=n) not in summarised for n in range((last - first).days + 1)):
            continue
        try:
            with engine.begin() as connection:
                connection.execute(text(f"INSERT INTO {marker} ({column}, summarised_at) VALUES (:key, :now)")
                                   .bindparams(bindparam("now", type_=UtcDateTime())),
                                   {"key": key, "now": datetime.now(UTC)})
                for summed in tables:
                    _sum_into(connection, summed, key, first, last)
            done.append(key)
        except IntegrityError:  # another run summed it first
            pass
    return done


def summed_spans(connection: Connection, first: date, last: date) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The summed months and weeks lying wholly within the days [first, last)."""
    if first >= last:
        return (), ()
    inside_months = [month for month in months_between(first, last)
                     if month_days(month)[0] >= first and month_days(month)[1] < last]
    inside_weeks = [week for week in weeks_between(first, last)
                    if week_days(week)[0] >= first and week_days(week)[1] < last]
    months = _marked_in(connection, MONTHS, "month", inside_months)
    weeks = _marked_in(connection, WEEKS, "week", inside_weeks)
    return tuple(sorted(months)), tuple(sorted(weeks))


def _marked_in(connection: Connection, marker: str, column: str, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    rows = connection.execute(text(f"SELECT {column} FROM {marker} WHERE {column} >= :first AND {column} <= :last"),
                              {"first": keys[0], "last": keys[-1]})
    wanted = set(keys)
    return {str(key) for (key,) in rows if key in wanted}
