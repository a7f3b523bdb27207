"""Daily summaries of the trail's per-source flows and the IG dashboard's counts, and how a period is split between
them and the raw trail.

`summarise_days` fills the daily tables (`audit_daily_flows`, calls, clauses, entries, and the
dashboard's `audit_hourly_views`, `audit_daily_uk_views`, `audit_daily_uk_hours`, `audit_daily_users` and
`audit_daily_uk_refusals`) for each whole
UTC day before today that is not yet summarised, one transaction per day, then sums whole months
and weeks (`portal.audit.rollup_spans`) and counts viewers' distinct children for the dashboard's
periods up to today (`portal.audit.viewer_children`). The day's marker row in
`audit_rollup_days` is inserted first, so a second run (cron, or two at once) finds it
present and leaves the day alone. Past days are closed (entries are written at the time
they happen), so a summarised day never changes. A period page then reads the rollup for
its whole summarised days and the raw trail for the rest (part days, today, any day not
yet summarised), and the two always add up to the raw figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, bindparam, func, select, text
from sqlalchemy.exc import IntegrityError

from portal.audit.bind import Bind, resolve_engine
from portal.audit.dashboard_sql import summarise_dashboard_day
from portal.audit.entry_counts import COUNTS as ENTRY_COUNT_COLUMNS
from portal.audit.entry_counts import ENTRY_COUNTS, entry_counts_select
from portal.audit.entry_counts import KEYS as ENTRY_KEYS
from portal.audit.flow_sql import CUBE, CUBE_KEYS, cube_columns, period_query, source_cube_select
from portal.audit.governance_sql import CALLS_TABLE, calls_select, clause_select, week_of_day
from portal.audit.models import UtcDateTime, audit_entries
from portal.audit.rollup_spans import (
    MONTHLY_CLAUSES,
    MONTHLY_ENTRIES,
    MONTHLY_FLOWS,
    WEEKLY_CALLS,
    Summed,
    month_days,
    summarise_spans,
    summed_spans,
    week_days,
)
from portal.audit.viewer_children import summarise_viewer_children

DAYS = "audit_rollup_days"
FLOWS = "audit_daily_flows"
CALLS = "audit_daily_calls"
CLAUSES = "audit_daily_clauses"
ENTRIES = "audit_daily_entries"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass(frozen=True)
class PeriodPlan:
    """Where a period's figures come from: summarised days (from the rollup) and raw [start, end) pieces; of the
    summarised days, those in `months` (`weeks`) are read from the monthly (weekly) sums where a table has them."""

    summarised: tuple[date, ...]
    raw: tuple[tuple[datetime, datetime], ...]
    months: tuple[str, ...] = ()
    weeks: tuple[str, ...] = ()

    def day_runs(self, by: str) -> list[tuple[str, str]]:
        """(first, last) runs of the summarised days not covered by the `by` ("month" or "week") sums: each run
        holds no covered day, so a daily table's rows between its ends are all wanted."""
        spans = [month_days(month) for month in self.months] if by == "month" else \
            [week_days(week) for week in self.weeks]
        covered = {first + timedelta(days=n) for first, last in spans for n in range((last - first).days + 1)}
        runs: list[tuple[str, str]] = []
        previous: date | None = None
        for day in self.summarised:
            if day in covered:
                previous = None
                continue
            if previous is not None and all(previous + timedelta(days=n) not in covered
                                            for n in range(1, (day - previous).days)):
                runs[-1] = (runs[-1][0], day.isoformat())
            else:
                runs.append((day.isoformat(), day.isoformat()))
            previous = day
        return runs


def in_runs(runs: list[tuple[str, str]], column: str = "day") -> tuple[str, dict[str, str]]:
    """A WHERE condition selecting `column` within any of the runs, and its parameters."""
    terms: list[str] = []
    params: dict[str, str] = {}
    for n, (first, last) in enumerate(runs):
        terms.append(f"({column} >= :run_first_{n} AND {column} <= :run_last_{n})")
        params |= {f"run_first_{n}": first, f"run_last_{n}": last}
    return " OR ".join(terms), params


def coarse_range(keys: tuple[str, ...]) -> dict[str, str]:
    """The first and last month (week) of a plan's: every summed row between them is in the period."""
    return {"first_key": keys[0], "last_key": keys[-1]}


def add_summed(connection: Connection, plan: PeriodPlan, summed: Summed, target: str, first_key: str,
               grouped: str) -> None:
    """Insert into `target` the period's rows of `summed`: the monthly (weekly) rows, with `first_key` their
    month (week) column, then the daily rows of the other summarised days with `grouped` (SQL over `day`)."""
    by = "week" if summed is WEEKLY_CALLS else "month"
    keys, counts = ", ".join(summed.keys), ", ".join(summed.counts)
    coarse = plan.weeks if by == "week" else plan.months
    if coarse:
        connection.execute(text(f"INSERT INTO {target} SELECT {first_key}, {keys}, {counts} FROM {summed.table} "
                                f"WHERE {by} >= :first_key AND {by} <= :last_key"), coarse_range(coarse))
    runs = plan.day_runs(by)
    if runs:
        condition, params = in_runs(runs)
        sums = ", ".join(f"SUM({column})" for column in summed.counts)
        connection.execute(text(f"INSERT INTO {target} SELECT {grouped}, {keys}, {sums} FROM {summed.daily} "
                                f"WHERE {condition} GROUP BY 1, {keys}"), params)


def _summarised_between(connection: Connection, first: date, last: date) -> set[date]:
    """Summarised days in [first, last)."""
    rows = connection.execute(text(f"SELECT day FROM {DAYS} WHERE day >= :first AND day < :last"),
                              {"first": first.isoformat(), "last": last.isoformat()})
    return {date.fromisoformat(day) for (day,) in rows}


def split_period(connection: Connection, start: datetime, end: datetime) -> PeriodPlan:
    """Split [start, end) into whole summarised days and the raw pieces between them (adjacent pieces merged)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if _midnight(start.date()) == start else start.date() + timedelta(days=1)
    last = end.date()  # days before this one end by `end`
    done = _summarised_between(connection, first, last) if first < last else set()
    raw: list[tuple[datetime, datetime]] = []
    cursor = start
    for day in sorted(done):
        if _midnight(day) > cursor:
            raw.append((cursor, _midnight(day)))
        cursor = _midnight(day + timedelta(days=1))
    if end > cursor:
        raw.append((cursor, end))
    months, weeks = summed_spans(connection, first, last)
    return PeriodPlan(tuple(sorted(done)), tuple(raw), months, weeks)


def add_rollups_to_cube(connection: Connection, plan: PeriodPlan) -> None:
    """Add the summarised days' rows to the cube, by month (whole months from their sums)."""
    if not plan.summarised:
        return
    add_summed(connection, plan, MONTHLY_FLOWS, CUBE, "month", "substr(day, 1, 7)")


def span(plan: PeriodPlan) -> dict[str, str]:
    """The first and last summarised day: every rollup row between them belongs to the period, because rows exist
    only for summarised days and every summarised day between them is in `plan.summarised`."""
    return {"first": plan.summarised[0].isoformat(), "last": plan.summarised[-1].isoformat()}


def add_rolled_up_entry_counts(connection: Connection, plan: PeriodPlan) -> None:
    """Add the summarised days' whole-entry counts to the period's entry counts, by month."""
    if plan.summarised:
        add_summed(connection, plan, MONTHLY_ENTRIES, ENTRY_COUNTS, "month", "substr(day, 1, 7)")


def rolled_up_clauses(connection: Connection, plan: PeriodPlan) -> list[tuple[str, int]]:
    """(clause, views) over the summarised days."""
    if not plan.summarised:
        return []
    connection.exec_driver_sql("DROP TABLE IF EXISTS tr_clauses")
    connection.exec_driver_sql("CREATE TEMPORARY TABLE tr_clauses (part TEXT, clause TEXT, views BIGINT)")
    add_summed(connection, plan, MONTHLY_CLAUSES, "tr_clauses", "month", "'day'")
    rows = connection.execute(text("SELECT clause, SUM(views) FROM tr_clauses GROUP BY clause"))
    return [(str(clause), int(views)) for clause, views in rows]


def add_rolled_up_calls(connection: Connection, plan: PeriodPlan) -> None:
    """Add the summarised days' calls to the reliability table, by week."""
    if plan.summarised:
        add_summed(connection, plan, WEEKLY_CALLS, CALLS_TABLE, "week", week_of_day(connection.dialect.name, "day"))


def _summarise(connection: Connection, day: date) -> None:
    dialect = connection.dialect.name
    columns = ", ".join(["day", *CUBE_KEYS[1:], *cube_columns()])
    grouped = source_cube_select(dialect, f"'{day.isoformat()}'")  # our own date: never user input
    connection.execute(text(f"INSERT INTO {DAYS} (day, summarised_at) VALUES (:day, :now)")
                       .bindparams(bindparam("now", type_=UtcDateTime())),
                       {"day": day.isoformat(), "now": datetime.now(UTC)})
    bounds = {"start": _midnight(day), "end": _midnight(day + timedelta(days=1))}
    connection.execute(period_query(f"INSERT INTO {FLOWS} ({columns}) {grouped}"), bounds)
    literal = f"'{day.isoformat()}'"
    connection.execute(period_query(f"INSERT INTO {CALLS} (day, agency, status, bucket_ms, calls) "
                                    f"{calls_select(dialect, literal)}"), bounds)
    connection.execute(period_query(f"INSERT INTO {CLAUSES} (day, clause, views) {clause_select(dialect, literal)}"),
                       bounds)
    entry_columns = ", ".join(["day", *ENTRY_KEYS, *ENTRY_COUNT_COLUMNS])
    connection.execute(period_query(f"INSERT INTO {ENTRIES} ({entry_columns}) {entry_counts_select(literal)}"),
                       bounds)
    summarise_dashboard_day(connection, day, bounds)


def summarise_days(bind: Bind, today: date | None = None) -> list[date]:
    """Summarise every whole UTC day before `today` (from the trail's first day) not yet summarised; return them.

    Idempotent and safe to run concurrently: a day another run summarised first is skipped."""
    engine = resolve_engine(bind) if not isinstance(bind, Connection) else bind.engine
    today = today or datetime.now(UTC).date()
    with engine.connect() as connection:
        first = connection.execute(select(func.min(audit_entries.c.recorded_at))).scalar()
        if first is None:
            return []
        done = _summarised_between(connection, first.date(), today)
    summarised = []
    day = first.date()
    while day < today:
        if day not in done:
            try:
                with engine.begin() as connection:
                    _summarise(connection, day)
                summarised.append(day)
            except IntegrityError:  # another run summarised this day first
                pass
        day += timedelta(days=1)
    with engine.connect() as connection:
        done = _summarised_between(connection, first.date(), today)
    summarise_spans(engine, first.date(), today, done)
    if all(first.date() + timedelta(days=n) in done for n in range((today - first.date()).days)):
        summarise_viewer_children(engine, today)
    return summarised
