"""The IG dashboard's counts in SQL, and the few entries its flags need, instead of the whole period's trail.

Charts: counts per UTC hour come from the database (a few thousand rows at most for
90 days); mapping hours onto UK calendar days, which SQLite cannot do, is done by
the caller. Flags: SQL narrows the period to the entries that could possibly be
flagged, and the existing pure flag functions judge those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import ColumnElement, Connection, Integer, and_, func, or_, select

from portal.audit.bind import Bind, read_connection
from portal.audit.entry import RecordedEntry
from portal.audit.flow_sql import agency_of, hour_of, run
from portal.audit.models import EventType, Outcome, audit_entries

# The dashboard counts a view as the IG flags do: a child's page, a chronology page or a print.
DASHBOARD_VIEWS = (EventType.VIEW_CHILD.value, EventType.CHRONOLOGY_PAGE.value, EventType.PRINT.value)
_VIEWS = f"event_type IN ({', '.join(repr(e) for e in DASHBOARD_VIEWS)}) AND outcome = {int(Outcome.SUCCESS)}"
_PERIOD = "recorded_at >= :start AND recorded_at < :end"
# UTC hours that are inside 08:00-18:00 on UK clocks whether it is GMT or BST; anything else may be out of hours.
SURELY_WORKING_UTC_HOURS = range(8, 17)


@dataclass(frozen=True)
class DashboardCounts:
    views_by_hour_agency: list[tuple[str, str, int]]  # (YYYY-MM-DD HH UTC, viewer agency, views)
    break_glass_by_hour: list[tuple[str, int]]  # (YYYY-MM-DD HH UTC, starts)
    top_users: list[tuple[str, int]]  # ("Name (user id)", views), most first


def dashboard_counts(bind: Bind, start: datetime, end: datetime, top: int = 10) -> DashboardCounts:
    with read_connection(bind) as connection:
        dialect = connection.dialect.name
        hour = hour_of(dialect, "recorded_at")
        views = run(connection, f"SELECT {hour}, {agency_of(dialect, 'organisation')}, COUNT(*) FROM audit_entries "
                                f"WHERE {_VIEWS} AND {_PERIOD} GROUP BY 1, 2", start, end)
        glass = run(connection, f"SELECT {hour}, COUNT(*) FROM audit_entries WHERE event_type = "
                                f"'{EventType.BREAK_GLASS_START.value}' AND {_PERIOD} GROUP BY 1", start, end)
        users = run(connection, f"SELECT user_id, user_display_name, COUNT(*) AS views FROM audit_entries "
                                f"WHERE {_VIEWS} AND {_PERIOD} GROUP BY user_id, user_display_name", start, end)
    named = sorted(((f"{name or user or 'unknown'} ({user or '-'})", int(n)) for user, name, n in users),
                   key=lambda item: (-item[1], item[0]))
    return DashboardCounts([(h, a or "unknown", int(n)) for h, a, n in views], [(h, int(n)) for h, n in glass],
                           named[:top])


@dataclass(frozen=True)
class FlagInputs:
    """The entries a flag could fire on, and every viewer's distinct children in the period (for the median)."""

    entries: list[RecordedEntry]
    children_per_viewer: dict[str | None, int]


def _entries(connection: Connection, *conditions: ColumnElement[bool]) -> list[RecordedEntry]:
    query = select(audit_entries).where(*conditions).order_by(audit_entries.c.sequence)
    return [RecordedEntry.from_row(row._mapping) for row in connection.execute(query)]


def flag_candidates(bind: Bind, start: datetime, end: datetime, *, many_children: int, median_multiple: float,
                    median_minimum: int, refusals_per_day: int,
                    viewer_surname_hash: Callable[[str], str | None]) -> FlagInputs:
    """Every entry in the period that some flag could fire on; the rest of the period is never loaded.

    A view is a candidate if it had no relationship basis or used break-glass, fell outside the UTC hours
    that are working hours in both GMT and BST or at a weekend, was by a user whose distinct children could
    reach a "many children" rule, or carries the viewer's own keyed surname hash; a refusal is one if its
    user was refused at least `refusals_per_day` times in the period. The pure flag functions then judge.
    """
    c = audit_entries.c
    period = and_(c.recorded_at >= start, c.recorded_at < end)
    view = and_(c.event_type.in_(DASHBOARD_VIEWS), c.outcome == int(Outcome.SUCCESS), period)
    with read_connection(bind) as connection:
        no_basis = or_(c.break_glass.is_(True), c.relationship_basis.is_(None),
                       c.relationship_basis.in_(["", "none", "break_glass"]))
        children = _children_per_viewer(connection, view)
        busy_users = _busy(children, many_children, median_multiple, median_minimum)
        refusing = select(c.user_id).where(c.event_type == EventType.REFUSED.value, period).group_by(c.user_id) \
            .having(func.count() >= refusals_per_day)
        conditions = [no_basis, _odd_hours(connection.dialect.name), c.user_id.in_(busy_users),
                      *_own_surname(connection, view, viewer_surname_hash)]
        entries = _entries(connection, or_(
            and_(view, or_(*conditions)),
            and_(c.event_type == EventType.REFUSED.value, period, c.user_id.in_(refusing)),
        ))
    return FlagInputs(entries, children)


def _odd_hours(dialect: str) -> ColumnElement[bool]:
    c = audit_entries.c
    if dialect == "sqlite":
        hour = func.cast(func.strftime("%H", c.recorded_at), Integer)
        weekend = func.strftime("%w", c.recorded_at).in_(["0", "6"])
    else:
        hour = func.cast(func.extract("hour", func.timezone("UTC", c.recorded_at)), Integer)
        weekend = func.extract("isodow", func.timezone("UTC", c.recorded_at)).in_([6, 7])
    return or_(~hour.in_(list(SURELY_WORKING_UTC_HOURS)), weekend)


def _own_surname(connection: Connection, view: ColumnElement[bool],
                 viewer_surname_hash: Callable[[str], str | None]) -> list[ColumnElement[bool]]:
    """One condition per viewer: their views of a child whose recorded surname hash equals their own."""
    c = audit_entries.c
    names = connection.execute(select(c.user_display_name).where(view, c.user_display_name.is_not(None))
                               .distinct()).scalars().all()
    child_hash = c.details["child_surname_hash"].as_string()
    pairs = [(name, viewer_surname_hash(name)) for name in names]
    return [and_(c.user_display_name == name, child_hash == hashed) for name, hashed in pairs if hashed]


def _children_per_viewer(connection: Connection, view: ColumnElement[bool]) -> dict[str | None, int]:
    c = audit_entries.c
    rows = connection.execute(select(c.user_id, func.count(func.distinct(c.subject_chi)))
                              .where(view, c.subject_chi.is_not(None)).group_by(c.user_id)).all()
    return {user: int(n) for user, n in rows}


def _busy(children: dict[str | None, int], many_children: int, median_multiple: float,
          median_minimum: int) -> list[str | None]:
    """Users whose distinct children in the period could reach either "many children" rule."""
    typical = median(children.values()) if len(children) >= 3 else None
    return [user for user, n in children.items()
            if n > many_children or (typical is not None and n >= median_minimum and n > median_multiple * typical)]
