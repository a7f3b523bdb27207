"""Narrowing the IG dashboard's per-user flags to the users and days that could reach them.

A window of W ending on UTC day d lies within days d-k .. d (k = W in whole days, rounded
up), so a user whose counts on every k+1 consecutive days stay under a threshold cannot
reach it in any such window, nor on a UK calendar day (which lies within two UTC days).
Only the days of the runs that reach it are loaded; any window the flag could fire on lies
wholly inside them, so the pure flag functions judge exactly what they would over the
whole period.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median

from sqlalchemy import ColumnElement, Connection, and_, or_, select, text

from portal.audit.dashboard_sql import REFUSED, UK_REFUSALS, USERS
from portal.audit.models import audit_entries
from portal.audit.viewer_children import UK, uk_midnight


@dataclass(frozen=True)
class UserDays:
    """One user's counts on one UTC day (or the part of it in the period)."""

    day: str  # YYYY-MM-DD
    user_id: str | None
    name: str | None
    views: int
    child_views: int
    refusals: int


def user_is(user: str | None) -> ColumnElement[bool]:
    column = audit_entries.c.user_id
    return column.is_(None) if user is None else column == user


def busy_viewers(children: dict[str | None, int], median_multiple: float, median_minimum: int) -> list[str | None]:
    """Users whose distinct children in the period reach the "far more than the median user" rule."""
    typical = median(children.values()) if len(children) >= 3 else None
    if typical is None:
        return []
    return [user for user, n in children.items() if n >= median_minimum and n > median_multiple * typical]


def flagged_day_ranges(counts: dict[str | None, Counter[str]], days_back: int, reach: int
                       ) -> list[tuple[str | None, datetime, datetime]]:
    """(user, start, end) UTC ranges covering every run of `days_back` + 1 consecutive days whose counts add up
    to at least `reach`; overlapping and adjacent runs merged."""
    ranges: list[tuple[str | None, datetime, datetime]] = []
    for user, per_day in counts.items():
        by_day = {date.fromisoformat(day): n for day, n in per_day.items()}
        ends = {day + timedelta(days=shift) for day in by_day for shift in range(days_back + 1)}
        marked: set[date] = set()
        for last in ends:
            run_days = [last - timedelta(days=back) for back in range(days_back + 1)]
            if sum(by_day.get(day, 0) for day in run_days) >= reach:
                marked.update(run_days)
        ranges += [(user, first, after) for first, after in _merged(marked)]
    return ranges


def shifted_day(dialect: str, column: str, days: int) -> str:
    """The `YYYY-MM-DD` day `days` after the `YYYY-MM-DD` text column."""
    if dialect == "postgresql":
        return f"to_char(CAST({column} AS date) + {int(days)}, 'YYYY-MM-DD')"
    return f"date({column}, '{int(days):+d} days')"


def rolled_up_near_busy_days(connection: Connection, first: str, last: str, field: str, days_back: int,
                             reach: int) -> list[UserDays]:
    """The rollup's rows (days `first` .. `last`) within `days_back` days of a user's busy day: one whose `field`
    is at least `reach` / (`days_back` + 1). Every run of `days_back` + 1 days adding up to `reach` holds such a day
    (they cannot all be below the average), so these rows are all any such run needs, and a year of user-days
    never reaches Python: busy days come from an index on `field`, their neighbours from one on (user, day)."""
    if field not in ("child_views", "refusals"):
        raise ValueError("runs are of child_views or refusals")
    dialect = connection.dialect.name
    earliest, latest = shifted_day(dialect, "b.day", -days_back), shifted_day(dialect, "b.day", days_back)
    busy = (f"SELECT DISTINCT user_id, day FROM {USERS} "
            f"WHERE {field} >= :busy AND day >= :first AND day <= :last")

    def near(same_user: str) -> str:  # "=" for the (user, day) index; entries with no user id matched apart
        return f"""SELECT n.day, n.user_id, n.user_display_name, n.views, n.child_views, n.refusals
                   FROM ({busy}) AS b JOIN {USERS} n ON {same_user}
                        AND n.day >= {earliest} AND n.day <= {latest}
                   WHERE n.day >= :first AND n.day <= :last"""

    sql = f"{near('n.user_id = b.user_id')} UNION {near('n.user_id IS NULL AND b.user_id IS NULL')}"
    rows = connection.execute(text(sql), {"first": first, "last": last, "busy": -(-reach // (days_back + 1))})
    return [UserDays(str(day), user, name, int(views), int(children), int(refusals))
            for day, user, name, views, children, refusals in rows]


def _merged(days: set[date]) -> list[tuple[datetime, datetime]]:
    spans: list[tuple[datetime, datetime]] = []
    for day in sorted(days):
        began = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        if spans and spans[-1][1] == began:
            spans[-1] = (spans[-1][0], began + timedelta(days=1))
        else:
            spans.append((began, began + timedelta(days=1)))
    return spans


UserSpan = tuple[str | None, datetime, datetime]


def _uk_day_spans(start: datetime, end: datetime, summarised: set[date]) -> dict[str, tuple[datetime, datetime]]:
    """UK days lying wholly in [start, end) whose UTC days are all summarised: their [begin, end) by `YYYY-MM-DD`."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    day = start.astimezone(UK).date()
    while uk_midnight(day) < end:
        began, ended = uk_midnight(day), uk_midnight(day + timedelta(days=1))
        utc_days = {began.date(), (ended - timedelta(microseconds=1)).date()}
        if began >= start and ended <= end and utc_days <= summarised:
            spans[day.isoformat()] = (began, ended)
        day += timedelta(days=1)
    return spans


def _gaps(start: datetime, end: datetime, covered: Iterable[tuple[datetime, datetime]]
          ) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) outside the covered spans."""
    gaps: list[tuple[datetime, datetime]] = []
    cursor = start
    for began, ended in sorted(covered):
        if began > cursor:
            gaps.append((cursor, began))
        cursor = max(cursor, ended)
    if end > cursor:
        gaps.append((cursor, end))
    return gaps


def busy_uk_refusal_days(connection: Connection, first: str, last: str, reach: int
                         ) -> list[tuple[str | None, str, int]]:
    """(user, UK day, refusals) for the UK days `first` .. `last` on which a user was refused at least `reach` times.

    A UK day lies within at most two UTC days, so it has at most two rows per user, and one of a pair reaching
    `reach` holds at least half of it: an index finds those few rows, another their pair's other row, and the
    year's tens of thousands of user-days are never summed."""
    busy = (f"SELECT DISTINCT user_id, uk_day FROM {UK_REFUSALS} "
            "WHERE refusals >= :busy AND uk_day >= :first AND uk_day <= :last")

    def summed(same_user: str) -> str:  # "=" for the (user, UK day) index; entries with no user id matched apart
        return f"""SELECT n.user_id, n.uk_day, SUM(n.refusals) FROM ({busy}) AS b
                   JOIN {UK_REFUSALS} n ON {same_user} AND n.uk_day = b.uk_day
                   GROUP BY n.user_id, n.uk_day HAVING SUM(n.refusals) >= :reach"""

    sql = f"{summed('n.user_id = b.user_id')} UNION ALL {summed('n.user_id IS NULL AND b.user_id IS NULL')}"
    rows = connection.execute(text(sql), {"first": first, "last": last, "reach": reach, "busy": -(-reach // 2)})
    return [(user, str(uk_day), int(n)) for user, uk_day, n in rows]


def refusal_day_spans(connection: Connection, summarised: set[date], start: datetime, end: datetime, reach: int
                      ) -> list[UserSpan]:
    """(user, start, end) for every UK day on which a user was refused at least `reach` times in [start, end),
    clipped to the period: the only refusals the "repeated refusals" flag can fire on.

    Whole UK days whose UTC days are summarised come from `audit_daily_uk_refusals` (`busy_uk_refusal_days`);
    the rest of the period (part days, today) is counted from its few refusals."""
    rolled = _uk_day_spans(start, end, summarised)
    counts: Counter[tuple[str | None, str]] = Counter()
    if rolled:
        days = sorted(rolled)
        for user, uk_day, n in busy_uk_refusal_days(connection, days[0], days[-1], reach):
            if str(uk_day) in rolled:
                counts[(user, str(uk_day))] += int(n)
    c = audit_entries.c
    pieces = _gaps(start, end, rolled.values())
    if pieces:
        when = or_(*(and_(c.recorded_at >= began, c.recorded_at < ended) for began, ended in pieces))
        for user, moment in connection.execute(select(c.user_id, c.recorded_at).where(c.event_type == REFUSED, when)):
            counts[(user, moment.astimezone(UK).date().isoformat())] += 1
    spans = []
    for (user, uk_day), n in sorted(counts.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        if n >= reach:
            day = date.fromisoformat(uk_day)
            spans.append((user, max(start, uk_midnight(day)), min(end, uk_midnight(day + timedelta(days=1)))))
    return spans
