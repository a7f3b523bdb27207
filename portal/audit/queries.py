"""Read helpers for IG staff and exports. Reading the trail is itself an event: callers record `audit_read`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict, Unpack

from sqlalchemy import ColumnElement, case, func, or_, select

from portal.audit.bind import Bind, read_connection
from portal.audit.entry import RecordedEntry
from portal.audit.models import EventType, Outcome, audit_entries

# Events that put a child's information in front of someone (a search result shows name and date of birth).
VIEWING_EVENTS = (EventType.SEARCH, EventType.VIEW_CHILD, EventType.CHRONOLOGY_PAGE, EventType.PRINT)
BREAK_GLASS_EVENTS = (EventType.BREAK_GLASS_START, EventType.BREAK_GLASS_END)
MAX_PAGE_SIZE = 1000


class TrailFilters(TypedDict, total=False):
    """The filters `search_entries` and `count_entries` take as keywords: every one given (not None) must match."""

    child: str | None
    user: str | None
    organisation: str | None
    event_type: EventType | str | None
    since: datetime | None
    until: datetime | None
    break_glass: bool | None


def _filters(
    *,
    child: str | None = None,
    user: str | None = None,
    organisation: str | None = None,
    event_type: EventType | str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    break_glass: bool | None = None,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions for the filters in `TrailFilters` (explicit keywords, so an unknown one is a TypeError)."""
    c = audit_entries.c
    conditions: list[ColumnElement[bool]] = []
    if child is not None:
        conditions.append(c.subject_chi == child)
    if user is not None:
        conditions.append(c.user_id == user)
    if organisation is not None:
        conditions.append(c.organisation == organisation)
    if event_type is not None:
        conditions.append(c.event_type == EventType(event_type).value)
    if since is not None:
        conditions.append(c.recorded_at >= since)
    if until is not None:
        conditions.append(c.recorded_at < until)
    if break_glass is not None:
        glass = or_(c.break_glass.is_(True), c.event_type.in_([e.value for e in BREAK_GLASS_EVENTS]))
        conditions.append(glass if break_glass else ~glass)
    return conditions


def search_entries(
    bind: Bind, *, limit: int = 50, offset: int = 0, **filters: Unpack[TrailFilters]
) -> list[RecordedEntry]:
    """Entries matching every given filter, newest first. `until` is exclusive; `break_glass=True` means
    break-glass start/end events and anything done under break-glass."""
    conditions = _filters(**filters)
    query = (
        select(audit_entries)
        .where(*conditions)
        .order_by(audit_entries.c.sequence.desc())
        .limit(max(1, min(limit, MAX_PAGE_SIZE)))
        .offset(max(0, offset))
    )
    with read_connection(bind) as connection:
        return [RecordedEntry.from_row(row._mapping) for row in connection.execute(query)]


def count_entries(bind: Bind, **filters: Unpack[TrailFilters]) -> int:
    """How many entries `search_entries` would page through with the same filters."""
    conditions = _filters(**filters)
    with read_connection(bind) as connection:
        return int(connection.execute(select(func.count()).select_from(audit_entries).where(*conditions)).scalar_one())


def iter_entries(
    bind: Bind,
    *,
    child: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    batch_size: int = 1000,
) -> Iterator[RecordedEntry]:
    """Matching entries oldest first, fetched in batches (for exports of any size)."""
    conditions = _filters(child=child, user=user, since=since)
    last_sequence = 0
    with read_connection(bind) as connection:
        while True:
            batch = connection.execute(
                select(audit_entries)
                .where(audit_entries.c.sequence > last_sequence, *conditions)
                .order_by(audit_entries.c.sequence)
                .limit(batch_size)
            ).all()
            if not batch:
                return
            yield from (RecordedEntry.from_row(row._mapping) for row in batch)
            last_sequence = batch[-1].sequence


def get_entry(bind: Bind, sequence: int) -> RecordedEntry | None:
    """One entry by its sequence number, or None."""
    with read_connection(bind) as connection:
        row = connection.execute(select(audit_entries).where(audit_entries.c.sequence == sequence)).first()
    return RecordedEntry.from_row(row._mapping) if row else None


@dataclass(frozen=True)
class ChildViewer:
    """One person who saw a child's information: the line of a "who has viewed this child" report."""

    user_id: str | None
    display_name: str | None
    role: str | None
    organisation: str | None
    first_seen: datetime
    last_seen: datetime
    times: int
    under_break_glass: int
    by_event: dict[str, int] = field(default_factory=dict)


def viewers_of_child(bind: Bind, chi: str) -> list[ChildViewer]:
    """Everyone who successfully searched for, viewed, paged the chronology of, or printed this child,
    most recent first. Built for subject access requests."""
    c = audit_entries.c
    query = (
        select(
            c.user_id,
            c.user_display_name,
            c.user_role,
            c.organisation,
            c.event_type,
            func.min(c.recorded_at).label("first_seen"),
            func.max(c.recorded_at).label("last_seen"),
            func.count().label("times"),
            func.sum(case((c.break_glass.is_(True), 1), else_=0)).label("under_break_glass"),
        )
        .where(
            c.subject_chi == chi,
            c.outcome == int(Outcome.SUCCESS),
            c.event_type.in_([e.value for e in VIEWING_EVENTS]),
        )
        .group_by(c.user_id, c.user_display_name, c.user_role, c.organisation, c.event_type)
    )
    viewers: dict[tuple[str | None, ...], ChildViewer] = {}
    with read_connection(bind) as connection:
        for row in connection.execute(query):
            key = (row.user_id, row.user_display_name, row.user_role, row.organisation)
            first_seen, last_seen = row.first_seen, row.last_seen
            known = viewers.get(key)
            by_event = {**(known.by_event if known else {}), row.event_type: int(row.times)}
            viewers[key] = ChildViewer(
                user_id=row.user_id,
                display_name=row.user_display_name,
                role=row.user_role,
                organisation=row.organisation,
                first_seen=min(first_seen, known.first_seen) if known else first_seen,
                last_seen=max(last_seen, known.last_seen) if known else last_seen,
                times=int(row.times) + (known.times if known else 0),
                under_break_glass=int(row.under_break_glass or 0) + (known.under_break_glass if known else 0),
                by_event=by_event,
            )
    return sorted(viewers.values(), key=lambda viewer: viewer.last_seen, reverse=True)
