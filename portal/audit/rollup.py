"""Daily summaries of the trail's per-source flows and the IG dashboard's counts, and how a period is split between
them and the raw trail.

`summarise_days` fills the daily tables (`audit_daily_flows`, calls, clauses, entries, and the
dashboard's `audit_hourly_views` and `audit_daily_users`) for each whole UTC day before today
that is not yet summarised, one transaction per day: the day's marker row in
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

DAYS = "audit_rollup_days"
FLOWS = "audit_daily_flows"
CALLS = "audit_daily_calls"
CLAUSES = "audit_daily_clauses"
ENTRIES = "audit_daily_entries"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass(frozen=True)
class PeriodPlan:
    """Where a period's figures come from: summarised days (from the rollup) and raw [start, end) pieces."""

    summarised: tuple[date, ...]
    raw: tuple[tuple[datetime, datetime], ...]


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
    return PeriodPlan(tuple(sorted(done)), tuple(raw))


def add_rollups_to_cube(connection: Connection, plan: PeriodPlan) -> None:
    """Add the summarised days' rows to the cube, by month (the day's first seven characters)."""
    if not plan.summarised:
        return
    columns = cube_columns()
    sums = ", ".join(f"SUM({column})" for column in columns)
    keys = ", ".join(CUBE_KEYS[1:])
    sql = (f"INSERT INTO {CUBE} (month, {keys}, {', '.join(columns)}) "
           f"SELECT substr(day, 1, 7), {keys}, {sums} FROM {FLOWS} WHERE day >= :first AND day <= :last "
           "GROUP BY 1, 2, 3, 4, 5")
    connection.execute(text(sql), span(plan))


def span(plan: PeriodPlan) -> dict[str, str]:
    """The first and last summarised day: every rollup row between them belongs to the period, because rows exist
    only for summarised days and every summarised day between them is in `plan.summarised`."""
    return {"first": plan.summarised[0].isoformat(), "last": plan.summarised[-1].isoformat()}


def add_rolled_up_entry_counts(connection: Connection, plan: PeriodPlan) -> None:
    """Add the summarised days' whole-entry counts to the period's entry counts, by month."""
    if not plan.summarised:
        return
    keys = ", ".join(ENTRY_KEYS)
    sums = ", ".join(f"SUM({name})" for name in ENTRY_COUNT_COLUMNS)
    connection.execute(text(f"INSERT INTO {ENTRY_COUNTS} SELECT substr(day, 1, 7), {keys}, {sums} "
                                   f"FROM {ENTRIES} WHERE day >= :first AND day <= :last GROUP BY 1, 2, 3, 4"),
                       span(plan))


def rolled_up_clauses(connection: Connection, plan: PeriodPlan) -> list[tuple[str, int]]:
    """(clause, views) over the summarised days."""
    if not plan.summarised:
        return []
    rows = connection.execute(text(f"SELECT clause, SUM(views) FROM {CLAUSES} "
                                   "WHERE day >= :first AND day <= :last GROUP BY clause"), span(plan))
    return [(str(clause), int(views)) for clause, views in rows]


def add_rolled_up_calls(connection: Connection, plan: PeriodPlan) -> None:
    """Add the summarised days' calls to the reliability table, by week."""
    if not plan.summarised:
        return
    week = week_of_day(connection.dialect.name, "day")
    connection.execute(text(f"INSERT INTO {CALLS_TABLE} SELECT {week}, agency, status, bucket_ms, SUM(calls) "
                                   f"FROM {CALLS} WHERE day >= :first AND day <= :last GROUP BY 1, 2, 3, 4"),
                       span(plan))


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
    return summarised
