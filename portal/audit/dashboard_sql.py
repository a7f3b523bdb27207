"""SQL shared by the IG dashboard and its part of the daily rollup, for SQLite and PostgreSQL.

Per UTC hour and viewer agency: successful views and break-glass starts (the charts;
hours, not days, because a UK day starts at 23:00 UTC in summer). Per UTC day and user:
successful views, those of a recorded child, and refusals (top users, and upper bounds
that rule out "many children" and "repeated refusals" flags for almost every user and
day). The predicates below are also the WHERE clauses of the partial indexes made by
audit migration 0004: keep the two in step, or the planner stops using the indexes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, text

from portal.audit.flow_sql import agency_of, hour_of, period_query
from portal.audit.models import EventType, Outcome, UtcDateTime

HOURLY = "audit_hourly_views"
USERS = "audit_daily_users"
UK_REFUSALS = "audit_daily_uk_refusals"
UK_VIEWS = "audit_daily_uk_views"
UK_HOURS = "audit_daily_uk_hours"
VIEW_EVENTS = (EventType.VIEW_CHILD.value, EventType.CHRONOLOGY_PAGE.value, EventType.PRINT.value)
VIEWS = f"event_type IN ({', '.join(repr(event) for event in VIEW_EVENTS)}) AND outcome = {int(Outcome.SUCCESS)}"
PERIOD = "recorded_at >= :start AND recorded_at < :end"
GLASS = EventType.BREAK_GLASS_START.value
REFUSED = EventType.REFUSED.value


def no_basis(dialect: str) -> str:
    """A view made under break-glass or with no relationship recorded (as `views_without_relationship` judges)."""
    glass = "break_glass" if dialect == "postgresql" else "break_glass = 1"
    return f"({glass} OR relationship_basis IS NULL OR relationship_basis IN ('', 'none', 'break_glass'))"


def child_surname_hash(dialect: str) -> str:
    """The child's keyed surname hash that a view records in its details."""
    if dialect == "postgresql":
        return "(details ->> 'child_surname_hash')"
    return "json_extract(details, '$.child_surname_hash')"


def day_of(dialect: str, column: str) -> str:
    """`YYYY-MM-DD` (UTC) of a timestamp column."""
    if dialect == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    return f"strftime('%Y-%m-%d', {column})"


def hourly_select(dialect: str, first_key: str) -> str:
    """(first_key, UTC hour, viewer agency, successful views, break-glass starts) for [:start, :end)."""
    return f"""SELECT {first_key}, {hour_of(dialect, 'recorded_at')}, {agency_of(dialect, 'organisation')},
                      SUM(CASE WHEN {VIEWS} THEN 1 ELSE 0 END), SUM(CASE WHEN event_type = '{GLASS}' THEN 1 ELSE 0 END)
               FROM audit_entries
               WHERE event_type IN ({', '.join(repr(event) for event in (*VIEW_EVENTS, GLASS))}) AND {PERIOD}
               GROUP BY 1, 2, 3"""


def users_select(first_key: str) -> str:
    """(first_key, user id, display name, successful views, of them views of a recorded child, refusals)
    for [:start, :end)."""
    return f"""SELECT {first_key}, user_id, user_display_name, SUM(CASE WHEN {VIEWS} THEN 1 ELSE 0 END),
                      SUM(CASE WHEN {VIEWS} AND subject_chi IS NOT NULL THEN 1 ELSE 0 END),
                      SUM(CASE WHEN event_type = '{REFUSED}' THEN 1 ELSE 0 END)
               FROM audit_entries
               WHERE event_type IN ({', '.join(repr(event) for event in (*VIEW_EVENTS, REFUSED))}) AND {PERIOD}
               GROUP BY 1, 2, 3"""


def _uk_hour(day: date, hour: str, views: int) -> dict[str, object]:
    local = datetime(int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=UTC).astimezone(
        ZoneInfo("Europe/London"))
    return {"day": day.isoformat(), "hour": hour, "uk_hour": local.hour, "weekend": int(local.weekday() >= 5),
            "views": views}


def summarise_dashboard_day(connection: Connection, day: date, bounds: dict[str, datetime]) -> None:
    """The dashboard's rows for one UTC day (`bounds` its [start, end)), inside the daily rollup's transaction."""
    literal = f"'{day.isoformat()}'"  # our own date: never user input
    dialect = connection.dialect.name
    connection.execute(period_query(f"INSERT INTO {HOURLY} (day, hour, agency, views, break_glass) "
                                    f"{hourly_select(dialect, literal)}"), bounds)
    # The day's hourly rows summed onto UK days (the charts'): 23:00 UTC is the next UK day on a BST evening.
    next_uk_day = day + timedelta(days=1)
    uk_next = datetime.combine(next_uk_day, time(), tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)
    late = f"'{next_uk_day.isoformat()}'" if uk_next.hour == 23 and uk_next.date() == day else literal
    connection.execute(text(f"INSERT INTO {UK_VIEWS} (day, uk_day, agency, views, break_glass) "
                            f"SELECT day, CASE WHEN substr(hour, 12, 2) = '23' THEN {late} ELSE day END, agency, "
                            f"SUM(views), SUM(break_glass) FROM {HOURLY} WHERE day = {literal} GROUP BY 1, 2, 3"))
    # Each UTC hour with views, with its UK hour and whether its UK day is a weekend (the out-of-hours flag's).
    hours = connection.execute(text(f"SELECT hour, SUM(views) FROM {HOURLY} WHERE day = {literal} AND views > 0 "
                                    "GROUP BY hour")).all()
    if hours:
        connection.execute(text(f"INSERT INTO {UK_HOURS} (day, hour, uk_hour, weekend, views) "
                                "VALUES (:day, :hour, :uk_hour, :weekend, :views)"),
                           [_uk_hour(day, str(hour), int(views)) for hour, views in hours])
    connection.execute(period_query(f"INSERT INTO {USERS} (day, user_id, user_display_name, views, child_views, "
                                    f"refusals) {users_select(literal)}"), bounds)
    # Refusals per user and UK calendar day: a UTC day holds the end of UK day `day` and, under BST, from 23:00
    # the start of the next one (UK time is never behind UTC).
    connection.execute(period_query(
        f"INSERT INTO {UK_REFUSALS} (day, user_id, uk_day, refusals) "
        f"SELECT {literal}, user_id, CASE WHEN recorded_at >= :uk_next THEN '{next_uk_day.isoformat()}' "
        f"ELSE {literal} END, COUNT(*) FROM audit_entries WHERE event_type = '{REFUSED}' AND {PERIOD} "
        "GROUP BY 1, 2, 3").bindparams(bindparam("uk_next", type_=UtcDateTime())), {**bounds, "uk_next": uk_next})
