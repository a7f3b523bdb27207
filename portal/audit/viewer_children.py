"""Each viewer's exact number of distinct children in a dashboard period, without reading a year of views per page.

The "far more children than the median user" flag needs every viewer's exact count. Over
[since, end) that is the children each viewer saw in [since, horizon) plus those first seen
after it, where the horizon is the UTC midnight after the last summarised day. The first part
is counted from the trail once, when the rollup runs, for the period starts the dashboard
offers (7, 30, 90 and 365 UK days ending on any UK day a page could be viewed before the next
run); a page adds the second from the few views since the horizon, checking each new
(viewer, child) pair against [since, horizon) by index. Exact, not estimated: no sampling and
no sketches, because a count that IG act on must be the one the trail gives. A period with
no stored count (the rollup has not run lately) is counted from the trail's index instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, TextClause, bindparam, text
from sqlalchemy.exc import IntegrityError

from portal.audit.dashboard_sql import PERIOD, VIEWS
from portal.audit.flow_sql import run
from portal.audit.models import UtcDateTime

UK = ZoneInfo("Europe/London")
VIEWER_PERIOD_DAYS = (7, 30, 90, 365)  # the dashboard's periods (portal.ig.review_routes.DASHBOARD_PERIODS)
PERIODS = "audit_rollup_viewer_periods"
CHILDREN = "audit_viewer_children"
_PAIRS = f"SELECT DISTINCT user_id, subject_chi FROM audit_entries WHERE {VIEWS} AND subject_chi IS NOT NULL"


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def uk_midnight(day: date) -> datetime:
    """The UTC instant a UK calendar day begins."""
    return datetime.combine(day, time(), tzinfo=UK).astimezone(UTC)


def period_starts(horizon: date) -> list[datetime]:
    """Where the dashboard's periods start on every UK day that overlaps the two UTC days from `horizon` (a page
    viewed before the next daily run, even a late one, finds its count), before the horizon itself."""
    began = _utc_midnight(horizon)
    uk_days = {(began + timedelta(hours=hours)).astimezone(UK).date() for hours in range(48)}
    starts = {uk_midnight(day - timedelta(days=days - 1)) for day in uk_days for days in VIEWER_PERIOD_DAYS}
    return sorted(start for start in starts if start < began)


def _typed(sql: str, *names: str) -> TextClause:
    return text(sql).bindparams(*(bindparam(name, type_=UtcDateTime()) for name in names))


def summarise_viewer_children(engine: Engine, horizon: date) -> int:
    """Count every viewer's distinct children from each period start up to `horizon` (every day before it must be
    summarised or closed); return how many period starts were counted. Insert-only and once per (horizon, start):
    the marker rows go in first, so a concurrent run gives up rather than counting twice."""
    starts = period_starts(horizon)
    with engine.connect() as connection:
        known = {since for (since,) in connection.execute(
            text(f"SELECT since FROM {PERIODS} WHERE horizon = :horizon").columns(since=UtcDateTime()),
            {"horizon": horizon.isoformat()})}
    missing = [start for start in starts if start not in known]
    if not missing:
        return 0
    names = [f"since_{n}" for n in range(len(missing))]
    sums = ", ".join(f"SUM(CASE WHEN pairs.last_seen >= :{name} THEN 1 ELSE 0 END)" for name in names)
    sql = f"""SELECT pairs.user_id, {sums} FROM (
                  SELECT user_id, subject_chi, MAX(recorded_at) AS last_seen FROM audit_entries
                  WHERE {VIEWS} AND subject_chi IS NOT NULL AND {PERIOD} GROUP BY user_id, subject_chi) AS pairs
              GROUP BY pairs.user_id"""
    bounds = dict(zip(names, missing, strict=True))
    try:
        with engine.begin() as connection:
            for start in missing:
                connection.execute(_typed(f"INSERT INTO {PERIODS} (horizon, since, summarised_at) "
                                          "VALUES (:horizon, :since, :now)", "since", "now"),
                                   {"horizon": horizon.isoformat(), "since": start, "now": datetime.now(UTC)})
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL jit = off")
                connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
            rows = connection.execute(_typed(sql, "start", "end", *names),
                                      {"start": missing[0], "end": _utc_midnight(horizon), **bounds})
            counts = [{"horizon": horizon.isoformat(), "since": start, "user_id": user, "children": int(n)}
                      for user, *per_start in rows for start, n in zip(missing, per_start, strict=True) if n]
            if counts:
                connection.execute(_typed(f"INSERT INTO {CHILDREN} (horizon, since, user_id, children) "
                                          "VALUES (:horizon, :since, :user_id, :children)", "since"), counts)
    except IntegrityError:  # another run counted this horizon first
        return 0
    return len(missing)


def _stored(connection: Connection, start: datetime, end: datetime) -> tuple[datetime, dict[str | None, int]] | None:
    """The latest horizon within (start, end] with counts from `start`, and those counts."""
    last_day = end.astimezone(UTC).date()
    found = connection.execute(_typed(f"SELECT horizon FROM {PERIODS} WHERE since = :since AND horizon <= :last "
                                      "ORDER BY horizon DESC LIMIT 1", "since"),
                               {"since": start, "last": last_day.isoformat()}).scalar()
    if found is None:
        return None
    rows = connection.execute(_typed(f"SELECT user_id, children FROM {CHILDREN} "
                                     "WHERE horizon = :horizon AND since = :since", "since"),
                              {"horizon": found, "since": start})
    return _utc_midnight(date.fromisoformat(str(found))), {user: int(n) for user, n in rows}


def _new_since_horizon(connection: Connection, start: datetime, horizon: datetime, end: datetime
                       ) -> dict[str | None, int]:
    """Per viewer, children viewed in [horizon, end) but not in [start, horizon)."""
    def seen_before(same_user: str) -> str:
        return f"""EXISTS (SELECT 1 FROM audit_entries o WHERE {VIEWS} AND o.subject_chi IS NOT NULL
                           AND o.subject_chi = r.subject_chi AND {same_user}
                           AND o.recorded_at >= :since AND o.recorded_at < :start)"""

    sql = f"""SELECT r.user_id, COUNT(*) FROM ({_PAIRS} AND {PERIOD}) AS r
              WHERE (r.user_id IS NOT NULL AND NOT {seen_before('o.user_id = r.user_id')})
                 OR (r.user_id IS NULL AND NOT {seen_before('o.user_id IS NULL')})
              GROUP BY r.user_id"""
    rows = connection.execute(_typed(sql, "since", "start", "end"),
                              {"since": start, "start": horizon, "end": end})
    return {user: int(n) for user, n in rows}


def children_per_viewer_scan(connection: Connection, start: datetime, end: datetime) -> dict[str | None, int]:
    """Each viewer's distinct children in the period, from the trail (an index-only scan of the period's views)."""
    rows = run(connection, f"SELECT pairs.user_id, COUNT(*) FROM ({_PAIRS} AND {PERIOD}) AS pairs "
                           "GROUP BY pairs.user_id", start, end)
    return {user: int(n) for user, n in rows}


def children_per_viewer(connection: Connection, start: datetime, end: datetime) -> dict[str | None, int]:
    """Each viewer's exact distinct children in [start, end): stored counts plus what is new since their horizon,
    or a scan of the trail when none are stored for this start."""
    stored = _stored(connection, start, end)
    if stored is None:
        return children_per_viewer_scan(connection, start, end)
    horizon, counts = stored
    if horizon < end:
        for user, n in _new_since_horizon(connection, start, horizon, end).items():
            counts[user] = counts.get(user, 0) + n
    return counts
