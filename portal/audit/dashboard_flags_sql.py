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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median

from sqlalchemy import ColumnElement, Connection, text

from portal.audit.dashboard_sql import PERIOD, USERS, VIEWS
from portal.audit.flow_sql import run
from portal.audit.models import audit_entries


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


def children_per_viewer(connection: Connection, start: datetime, end: datetime) -> dict[str | None, int]:
    """Each viewer's distinct children in the period (an index-only scan of `ix_audit_entries_view_children`)."""
    rows = run(connection, f"""SELECT pairs.user_id, COUNT(*) FROM (
                                   SELECT DISTINCT user_id, subject_chi FROM audit_entries
                                   WHERE {VIEWS} AND subject_chi IS NOT NULL AND {PERIOD}) AS pairs
                               GROUP BY pairs.user_id""", start, end)
    return {user: int(n) for user, n in rows}


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


def _shifted_day(dialect: str, column: str, days: int) -> str:
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
    earliest, latest = _shifted_day(dialect, "b.day", -days_back), _shifted_day(dialect, "b.day", days_back)
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
