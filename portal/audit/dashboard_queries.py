"""The IG dashboard's counts from the daily rollup and the trail's indexes, and the few entries its flags need.

Charts and top users: whole UTC days already summarised come from the rollup
(`audit_hourly_views`, summed onto UK days in the database by `portal.audit.dashboard_days`,
and `audit_daily_users`), the rest of the period (part days, today) from the raw trail, as
the transparency pages do (`portal.audit.rollup.split_period`).

Flags: the per-day counts bound which users and days could possibly reach a "many
children" or "repeated refusals" flag, and only their entries are loaded for the pure
flag functions to judge. Out-of-hours views and views without a relationship can be
most of a period: those are counted in SQL, and only the earliest few are loaded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Connection,
    String,
    TextClause,
    and_,
    bindparam,
    literal_column,
    null,
    or_,
    select,
    text,
)

from portal.audit.bind import Bind, read_connection
from portal.audit.dashboard_days import uk_day_counts
from portal.audit.dashboard_flags_sql import (
    UserDays,
    busy_viewers,
    flagged_day_ranges,
    refusal_day_spans,
    rolled_up_near_busy_days,
    user_is,
)
from portal.audit.dashboard_hours import out_of_hours_views
from portal.audit.dashboard_sql import (
    PERIOD,
    REFUSED,
    USERS,
    VIEWS,
    child_surname_hash,
    day_of,
    no_basis,
    users_select,
)
from portal.audit.entry import RecordedEntry
from portal.audit.flow_sql import run, tune_for_aggregation
from portal.audit.models import audit_entries
from portal.audit.rollup import PeriodPlan, coarse_range, in_runs, span, split_period
from portal.audit.rollup_spans import MONTHLY_USERS
from portal.audit.viewer_children import children_per_viewer

_CHUNK = 300  # OR-ed conditions per query
Condition = ColumnElement[bool] | TextClause


@dataclass(frozen=True)
class DashboardCounts:
    views_by_day_agency: list[tuple[str, str, int]]  # (YYYY-MM-DD UK day, viewer agency, views)
    break_glass_by_day: list[tuple[str, int]]  # (YYYY-MM-DD UK day, starts)
    top_users: list[tuple[str, int]]  # ("Name (user id)", views), most first


def _raw_user_days(connection: Connection, plan: PeriodPlan) -> list[UserDays]:
    """Per user and UTC day, over the raw pieces of the period (part days, today: small)."""
    sql = users_select(day_of(connection.dialect.name, "recorded_at"))
    return [UserDays(str(day), user, name, int(views), int(children), int(refusals))
            for start, end in plan.raw
            for day, user, name, views, children, refusals in run(connection, sql, start, end)]


def _rolled_user_days(connection: Connection, plan: PeriodPlan, days: set[str]) -> list[UserDays]:
    """Per user, the rollup's rows for the summarised days among `days`."""
    summarised = set(plan.summarised)
    wanted = sorted(day for day in days if date.fromisoformat(day) in summarised)
    if not wanted:
        return []
    query = text(f"SELECT day, user_id, user_display_name, views, child_views, refusals FROM {USERS} "
                 "WHERE day IN :days").bindparams(bindparam("days", expanding=True))
    return [UserDays(str(day), user, name, int(views), int(children), int(refusals))
            for day, user, name, views, children, refusals in connection.execute(query, {"days": wanted})]


def _rolled_users(connection: Connection, plan: PeriodPlan, select_list: str, condition: str = "1 = 1"
                  ) -> list[Any]:
    """`select_list` (grouped by user id and name) over the summarised days: whole months from their sums, the
    other days from the daily rows."""
    found: list[Any] = []
    group = "GROUP BY user_id, user_display_name"
    if plan.months:
        found += connection.execute(text(f"SELECT {select_list} FROM {MONTHLY_USERS.table} WHERE {condition} "
                                         f"AND month >= :first_key AND month <= :last_key {group}"),
                                    coarse_range(plan.months)).all()
    runs = plan.day_runs("month")
    if runs:
        within, params = in_runs(runs)
        found += connection.execute(text(f"SELECT {select_list} FROM {USERS} WHERE {condition} AND ({within}) "
                                         f"{group}"), params).all()
    return found


def _views_per_user(connection: Connection, plan: PeriodPlan, raw: list[UserDays]
                    ) -> Counter[tuple[str | None, str | None]]:
    """Successful views per (user id, display name) over the period."""
    per_user: Counter[tuple[str | None, str | None]] = Counter()
    for user, name, views in _rolled_users(connection, plan, "user_id, user_display_name, SUM(views)"):
        per_user[(user, name)] += int(views)
    for row in raw:
        per_user[(row.user_id, row.name)] += row.views
    return per_user


def dashboard_counts(bind: Bind, start: datetime, end: datetime, top: int = 10) -> DashboardCounts:
    with read_connection(bind) as connection:
        plan = split_period(connection, start, end)
        views, glass = uk_day_counts(connection, plan)
        per_user = _views_per_user(connection, plan, _raw_user_days(connection, plan))
    named = sorted(((f"{name or user or 'unknown'} ({user or '-'})", n) for (user, name), n in per_user.items() if n),
                   key=lambda item: (-item[1], item[0]))
    return DashboardCounts([(d, a, n) for (d, a), n in sorted(views.items()) if n],
                           [(d, n) for d, n in sorted(glass.items()) if n], named[:top])


@dataclass(frozen=True)
class FlagInputs:
    """What the flags are judged from: totals and earliest entries for the two kinds that can be most of a period,
    every entry the other kinds could fire on, and every viewer's distinct children (for the median)."""

    no_basis_total: int
    no_basis_first: list[RecordedEntry]  # earliest first
    out_of_hours_total: int
    out_of_hours_first: list[RecordedEntry]  # earliest first
    child_views: list[RecordedEntry]
    refusals: list[RecordedEntry]
    surname_views: list[RecordedEntry]
    children_per_viewer: dict[str | None, int]

    @property
    def loaded(self) -> int:
        return sum(len(entries) for entries in (self.no_basis_first, self.out_of_hours_first, self.child_views,
                                                self.refusals, self.surname_views))


# The flags never read these: left as NULL, so thousands of candidates do not each parse five sources' JSON.
_NOT_JUDGED = ("subject_identifiers", "agreements", "sources")
_JUDGED = [null().label(column.name) if column.name in _NOT_JUDGED else column for column in audit_entries.c]
# The many-children and refusal flags read only who did what to which child, when; the surname flag the details
# too. A year's thousands of candidates then skip decoding each one's JSON, hashes and texts.
_WHO_WHAT_WHEN = {"sequence", "recorded_at", "event_type", "outcome", "user_id", "user_display_name", "subject_chi"}
_LEAN = [column if column.name in _WHO_WHAT_WHEN else null().label(column.name) for column in audit_entries.c]
_LEAN_DETAILS = [column if column.name in _WHO_WHAT_WHEN | {"details"} else null().label(column.name)
                 for column in audit_entries.c]


def _entries(connection: Connection, *conditions: Condition, earliest: int | None = None,
             columns: list[Any] = _JUDGED) -> list[RecordedEntry]:
    c = audit_entries.c
    query = select(*columns).where(*conditions)
    query = query.order_by(c.recorded_at, c.sequence).limit(earliest) if earliest else query.order_by(c.sequence)
    return [RecordedEntry.from_row(row._mapping) for row in connection.execute(query)]


def _any_of(connection: Connection, base: Iterable[Condition], alternatives: list[ColumnElement[bool]],
            columns: list[Any] = _LEAN) -> list[RecordedEntry]:
    """Entries meeting `base` and any of `alternatives`, in sequence order (a few hundred OR-ed terms a query)."""
    found: dict[int, RecordedEntry] = {}
    conditions = list(base)
    for at in range(0, len(alternatives), _CHUNK):
        for entry in _entries(connection, *conditions, or_(*alternatives[at:at + _CHUNK]), columns=columns):
            found[entry.sequence] = entry
    return [found[sequence] for sequence in sorted(found)]


def _in_period(start: datetime, end: datetime) -> ColumnElement[bool]:
    c = audit_entries.c
    return and_(c.recorded_at >= start, c.recorded_at < end)


def _out_of_hours(connection: Connection, plan: PeriodPlan, start: datetime, end: datetime, shown: int,
                  working: tuple[int, int], hour_is_out: Callable[[datetime], bool]) -> tuple[int, list[RecordedEntry]]:
    """How many views fell in hours that are out of hours, and the earliest `shown` of them."""
    total, hours = out_of_hours_views(connection, plan, working, hour_is_out, shown)
    spans: list[ColumnElement[bool]] = []
    enough = 0
    for hour, n in hours:
        if enough >= shown:
            break
        began = datetime(int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=UTC)
        spans.append(_in_period(max(began, start), min(began + timedelta(hours=1), end)))
        enough += n
    if not spans:
        return total, []
    return total, _entries(connection, text(VIEWS), or_(*spans), earliest=shown)


def _no_basis(connection: Connection, start: datetime, end: datetime, shown: int) -> tuple[int, list[RecordedEntry]]:
    """Views without a relationship (or under break-glass): how many, and the earliest `shown`."""
    predicate = f"{VIEWS} AND {no_basis(connection.dialect.name)}"
    total = run(connection, f"SELECT COUNT(*) FROM audit_entries WHERE {predicate} AND {PERIOD}", start, end)[0][0]
    first = _entries(connection, text(predicate), _in_period(start, end), earliest=shown) if total else []
    return int(total), first


def _surname_views(connection: Connection, names: set[str], start: datetime, end: datetime,
                   viewer_surname_hash: Callable[[str], str | None]) -> list[RecordedEntry]:
    """Views of a child whose recorded surname hash equals the viewer's own (by display name)."""
    c = audit_entries.c
    child_hash: ColumnClause[str] = literal_column(child_surname_hash(connection.dialect.name), String())
    pairs = [(name, viewer_surname_hash(name)) for name in sorted(names)]
    matches = [and_(c.user_display_name == name, child_hash == hashed) for name, hashed in pairs if hashed]
    return _any_of(connection, [text(VIEWS), _in_period(start, end)], matches, _LEAN_DETAILS) if matches else []


def _viewer_names(connection: Connection, plan: PeriodPlan, raw: list[UserDays]) -> set[str]:
    names = {row.name for row in raw if row.views and row.name}
    names |= {str(name) for _, name in _rolled_users(connection, plan, "user_id, user_display_name",
                                                     "views > 0 AND user_display_name IS NOT NULL")}
    return names


def _day_ranges(connection: Connection, plan: PeriodPlan, raw: list[UserDays], field: str, days_back: int,
                reach: int) -> list[tuple[str | None, datetime, datetime]]:
    """(user, start, end) ranges holding every run of `days_back` + 1 days whose `field` adds up to `reach`, from
    the rollup's rows near a busy day, the raw rows, and the rollup's rows within reach of the raw days."""
    rows: dict[tuple[str, str | None, str | None], UserDays] = {}
    if plan.summarised:
        bounds = span(plan)
        for row in rolled_up_near_busy_days(connection, bounds["first"], bounds["last"], field, days_back, reach):
            rows[(row.day, row.user_id, row.name)] = row
    raw_days = {date.fromisoformat(row.day) for row in raw}
    near = {(day + timedelta(days=shift)).isoformat() for day in raw_days for shift in range(-days_back, days_back + 1)}
    for row in _rolled_user_days(connection, plan, near):
        rows[(row.day, row.user_id, row.name)] = row
    return flagged_day_ranges(_per_user([*rows.values(), *raw], field), days_back, reach)


def flag_inputs(bind: Bind, start: datetime, end: datetime, *, many_children: int, window: timedelta,
                median_multiple: float, median_minimum: int, refusals_per_day: int, shown: int,
                working_hours: tuple[int, int], hour_is_out: Callable[[datetime], bool],
                viewer_surname_hash: Callable[[str], str | None]) -> FlagInputs:
    """Everything the dashboard's flags need for [start, end), without loading the period.

    `working_hours` are the (start, end) UK hours of the working day and `hour_is_out(t)` says whether the whole UTC
    hour starting at `t` is out of hours by the same rule (working hours must start and end on the hour);
    `many_children` and `refusals_per_day` are the flags' thresholds, `window` the many-children
    window; `shown` how many of the out-of-hours and no-relationship views to load, earliest first;
    `views_by_hour` the period's (UTC hour, views), in hour order, if the caller has them already (`dashboard_counts`).
    """
    c = audit_entries.c
    with read_connection(bind) as connection:
        tune_for_aggregation(connection)
        plan = split_period(connection, start, end)
        raw = _raw_user_days(connection, plan)
        out_total, out_first = _out_of_hours(connection, plan, start, end, shown, working_hours, hour_is_out)
        basis_total, basis_first = _no_basis(connection, start, end, shown)
        children = children_per_viewer(connection, start, end)
        busy = set(busy_viewers(children, median_multiple, median_minimum))
        days_back = max(1, -(-window // timedelta(days=1)))
        child_ranges = [and_(user_is(user), _in_period(max(a, start), min(b, end)))
                        for user, a, b in _day_ranges(connection, plan, raw, "child_views", days_back,
                                                      many_children + 1) if user not in busy]
        child_ranges += [and_(user_is(user), _in_period(start, end)) for user in busy]
        child_views = _any_of(connection, [text(VIEWS), c.subject_chi.is_not(None)], child_ranges) \
            if child_ranges else []
        refusal_ranges = [and_(user_is(user), _in_period(a, b)) for user, a, b
                          in refusal_day_spans(connection, set(plan.summarised), start, end, refusals_per_day)]
        refusals = _any_of(connection, [c.event_type == REFUSED], refusal_ranges) if refusal_ranges else []
        surnames = _surname_views(connection, _viewer_names(connection, plan, raw), start, end, viewer_surname_hash)
    return FlagInputs(basis_total, basis_first, out_total, out_first, child_views, refusals, surnames, children)


def _per_user(rows: list[UserDays], field: str) -> dict[str | None, Counter[str]]:
    counts: dict[str | None, Counter[str]] = defaultdict(Counter)
    for row in rows:
        value = int(getattr(row, field))
        if value:
            counts[row.user_id][row.day] += value
    return counts
