"""SQL connector (social work): read-only SQLAlchemy Core over SQLite or PostgreSQL.

It runs only the SELECT statements named in its configuration, always with bound
parameters, inside a read-only transaction bounded by the caller's deadline:
PostgreSQL through `statement_timeout`, SQLite through a busy timeout and a
progress handler that interrupts the query at the deadline.

Connections under concurrency (connectors.sql_engine): a SQLite file's read-only connections are
pooled (up to `pool_size` kept idle; each used by one thread at a time, reopened when the file is
replaced; the queries of one call share one); a server database gets a QueuePool of `pool_size`
(+ `pool_overflow`) connections, default 5 + 5 per source and worker process, which bounds what one
portal process can ask of the agency's server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from connectors.base import CallTiming, Connector, unreadable_as_malformed
from connectors.errors import (
    ConnectorError,
    FatalError,
    ResponseTooLargeError,
    SourceUnavailableError,
    TimedOutError,
    UnauthorisedError,
)
from connectors.item_text import as_text
from connectors.items import map_items, person_from_item
from connectors.mapping import EventMapping, FactMapping, ItemContext, truthy
from connectors.models import ChronologyEvent, KeyFact, PersonQuery, PersonRecord, SourceRecords
from connectors.sql_engine import (
    SharedConnection,
    limit_statements,
    read_only_connection,
    read_only_engine,
    run_select,
)
from connectors.window import EventSlice, EventStream, EventWindow, WholeListStream

# A person's attributes are read from the column of the same name unless `[people.fields]` names another.
PERSON_DEFAULTS = {name: name for name in ("forename", "surname", "birth_date", "sex", "postcode", "previous_surname")}
_MIN_USEFUL_S = 0.05


@dataclass(frozen=True)
class QuerySpec:
    """One configured SELECT for one or more categories, and how its rows map."""

    name: str
    sql: str
    categories: frozenset[str]
    subject_field: str | None
    id_field: str
    collect: tuple[str, ...]  # columns gathered into lists when rows share an id (e.g. areas of concern)
    event: EventMapping | None
    facts: tuple[FactMapping, ...]
    notice: str | None = None  # set: the query counts withheld (sealed) rows and this text is shown if any
    window: bool = False  # the query may be wrapped in ORDER BY <event date> … LIMIT for chronology windows


@dataclass(frozen=True)
class SqlPeopleSpec:
    by_chi: str
    by_demographics: str
    id_field: str
    identifiers: Mapping[str, str]
    fields: Mapping[str, str]


class SqlConnector(Connector):
    """A relational case system read through SQLAlchemy Core, read-only."""

    def __init__(self, *, agency: str, domain: str, display_name: str, source_system: str,
                 categories: frozenset[str], url: str, people: SqlPeopleSpec, queries: tuple[QuerySpec, ...],
                 statement_timeout: float = 2.5, connect_timeout: float = 1.0, max_rows: int = 5000,
                 schema: str | None = None, on_call: Callable[[CallTiming], None] | None = None,
                 pool_size: int = 5, pool_overflow: int = 5) -> None:
        self.agency, self.domain, self.display_name = agency, domain, display_name
        self.source_system, self.categories = source_system, categories
        self.people, self.queries = people, queries
        self.statement_timeout, self.max_rows, self.schema = statement_timeout, max_rows, schema
        self.on_call = on_call
        self.engine = read_only_engine(url, connect_timeout, pool_size, pool_overflow)

    def close(self) -> None:
        self.engine.dispose()

    # -- people ---------------------------------------------------------------------------------

    @unreadable_as_malformed
    def find_people(self, query: PersonQuery, *, deadline: float) -> list[PersonRecord]:
        if query.chi:
            rows = self._run("people_by_chi", self.people.by_chi, {"chi": query.chi.replace(" ", "")},
                             deadline=deadline)
        elif query.surname or query.birth_date:
            params = {"surname": query.surname, "forename": query.forename, "postcode": query.postcode,
                      "birth_date": query.birth_date.isoformat() if query.birth_date else None}
            rows = self._run("people_by_demographics", self.people.by_demographics, params, deadline=deadline)
        else:
            return []
        return [self._person(row) for row in rows]

    def _person(self, row: Mapping[str, Any]) -> PersonRecord:
        return person_from_item(row, agency=self.agency, source_name=self.display_name, id_field=self.people.id_field,
                                identifiers=self.people.identifiers, fields=self.people.fields,
                                defaults=PERSON_DEFAULTS)

    # -- records --------------------------------------------------------------------------------

    @unreadable_as_malformed
    def fetch_records(self, person: PersonRecord, categories: frozenset[str], *, deadline: float) -> SourceRecords:
        wanted = categories & self.categories
        ctx = ItemContext(self.agency, self.display_name, self.source_system, person.source_id)
        events: list[ChronologyEvent] = []
        facts: list[KeyFact] = []
        notices: list[str] = []
        dropped = 0
        # Minimisation: a query for a category nobody asked for is never run. The rest share one transaction.
        with self._one_transaction() as shared:
            answers = [(spec, self._run(spec.name, spec.sql, {"person_id": person.source_id}, deadline=deadline,
                                        shared=shared)) for spec in self.queries if spec.categories & wanted]
        for spec, rows in answers:
            if spec.notice is not None:
                # Only whether withheld rows exist is read, never their content.
                if rows and truthy(next(iter(rows[0].values()), 0)) and spec.notice not in notices:
                    notices.append(spec.notice)
                continue
            mine = self._mine(spec, rows, person)
            dropped += len(rows) - len(mine)
            more_events, more_facts = map_items(_collect(mine, spec), ctx, wanted, id_field=spec.id_field,
                                                event=spec.event, facts=spec.facts)
            events.extend(more_events)
            facts.extend(more_facts)
        return SourceRecords(events=tuple(events), facts=tuple(facts), restricted_notices=tuple(notices),
                             dropped_wrong_child=dropped)

    @unreadable_as_malformed
    def restricted_notices(self, person: PersonRecord, categories: frozenset[str], *, deadline: float
                           ) -> tuple[str, ...]:
        """Only the counting queries of withheld rows (their notices), none of the record queries."""
        wanted = categories & self.categories
        notices: list[str] = []
        with self._one_transaction() as shared:  # one connection and transaction for all of them
            for spec in self.queries:
                if spec.notice is None or not spec.categories & wanted or spec.notice in notices:
                    continue
                rows = self._run(spec.name, spec.sql, {"person_id": person.source_id}, deadline=deadline,
                                 shared=shared)
                if rows and truthy(next(iter(rows[0].values()), 0)):
                    notices.append(spec.notice)
        return tuple(notices)

    # -- windows of events (connectors.window) -----------------------------------------------------

    def event_streams(self, person: PersonRecord, categories: frozenset[str]) -> tuple[EventStream, ...]:
        """One stream per event query asked for: windowed in SQL where configured, otherwise read whole."""
        wanted = categories & self.categories
        streams: list[EventStream] = []
        for spec in self.queries:
            if spec.notice is not None or spec.event is None or spec.event.category not in wanted:
                continue
            if spec.window:
                streams.append(SqlEventStream(self, spec, person))
            else:
                streams.append(WholeListStream(spec.name, partial(self._query_events, spec, person)))
        return tuple(streams)

    @unreadable_as_malformed
    def _query_events(self, spec: QuerySpec, person: PersonRecord, deadline: float) -> list[ChronologyEvent]:
        rows = self._run(spec.name, spec.sql, {"person_id": person.source_id}, deadline=deadline)
        return self._row_events(spec, _collect(self._mine(spec, rows, person), spec), person)

    @unreadable_as_malformed
    def _event_window(self, spec: QuerySpec, person: PersonRecord, window: EventWindow, deadline: float) -> EventSlice:
        assert spec.event is not None
        if window.significant_only and spec.event.significant_fixed is False:
            return EventSlice((), 0, None, 0)  # a list the agency marks routine holds nothing significant
        inner = spec.sql.strip().rstrip(";")
        params: dict[str, Any] = {"person_id": person.source_id}
        conditions: list[str] = []
        if window.date_from is not None and not spec.event.spec.end_date:  # a period may start earlier
            conditions.append(f"w.{spec.event.date_path} >= :after")
            params["after"] = window.date_from.isoformat()
        if window.date_to is not None:
            # `<` the next day also bounds a date stored with a time of day.
            conditions.append(f"w.{spec.event.date_path} < :before")
            params["before"] = (window.date_to + timedelta(days=1)).isoformat()
        flag = spec.event.significant_field
        if flag is not None and not flag.isidentifier():
            flag = None  # only a plain column name goes into SQL
        if window.significant_only and flag is not None:
            conditions.append(f"(w.{flag} IS NULL OR w.{flag} <> 0)")  # no flag counts as significant
        where = " WHERE " + " AND ".join(conditions) if conditions else ""
        direction = "DESC" if window.newest_first else "ASC"
        limit = max(1, min(window.limit, self.max_rows))
        sql = (f"SELECT * FROM ({inner}) AS w{where} ORDER BY w.{spec.event.date_path} {direction}, "
               f"w.{spec.id_field} {direction} LIMIT :limit OFFSET :offset")
        total = None
        with self._one_transaction() as shared:  # the window and its count read one snapshot, on one connection
            rows = self._run(spec.name, sql, {**params, "limit": limit, "offset": window.offset}, deadline=deadline,
                             shared=shared)
            if window.offset == 0:  # the source's own count, asked once per stream
                counted = self._run(f"{spec.name} count", f"SELECT COUNT(*) AS total FROM ({inner}) AS w{where}",
                                    params, deadline=deadline, shared=shared)
                total = int(next(iter(counted[0].values()))) if counted else None
        mine = self._mine(spec, rows, person)
        events = self._row_events(spec, mine, person)
        more = len(rows) == limit
        return EventSlice(tuple(events), total, window.offset + len(rows) if more else None, len(rows),
                          total_is_events=spec.event.always_applies,
                          filters_applied=not window.significant_only or spec.event.spec.significant is None
                          or flag is not None,
                          dropped_wrong_child=len(rows) - len(mine))

    def _mine(self, spec: QuerySpec, rows: list[dict[str, Any]], person: PersonRecord) -> list[dict[str, Any]]:
        return [r for r in rows if not spec.subject_field or as_text(r.get(spec.subject_field)) == person.source_id]

    def _row_events(self, spec: QuerySpec, rows: list[dict[str, Any]], person: PersonRecord) -> list[ChronologyEvent]:
        assert spec.event is not None
        ctx = ItemContext(self.agency, self.display_name, self.source_system, person.source_id)
        return map_items(rows, ctx, frozenset({spec.event.category}), id_field=spec.id_field, event=spec.event)[0]

    # -- execution ------------------------------------------------------------------------------

    def _run(self, name: str, sql: str, params: Mapping[str, Any], *, deadline: float,
             shared: SharedConnection | None = None) -> list[dict[str, Any]]:
        """One query, in a read-only transaction of its own or in `shared`'s."""
        started, outcome = time.monotonic(), "ok"
        try:
            left = deadline - started
            if left < _MIN_USEFUL_S:
                raise TimedOutError(f"{self.display_name} was not asked: the time allowed had run out")
            budget = min(self.statement_timeout, left)
            with ExitStack() as own:
                if shared is not None and shared.conn is not None:
                    conn = shared.conn
                    limit_statements(conn, budget)  # the time left now, as a query on its own would get
                else:
                    conn = (shared.stack if shared else own).enter_context(
                        read_only_connection(self.engine, deadline, budget, self.schema))
                    if shared is not None:
                        shared.conn = conn
                rows = run_select(conn, sql, params, self.max_rows)
            if len(rows) > self.max_rows:
                raise ResponseTooLargeError(f"{self.display_name} returned more than the {self.max_rows} rows allowed")
            return rows
        except ConnectorError as e:
            outcome = type(e).__name__
            raise
        except SQLAlchemyError as e:
            error = self._translate(e, min(self.statement_timeout, max(deadline - started, 0)))
            outcome = type(error).__name__
            raise error from e
        finally:
            self.report_call(name, None, started, 1, outcome)

    @contextmanager
    def _one_transaction(self) -> Iterator[SharedConnection]:
        shared = SharedConnection()
        try:
            with shared.stack:
                yield shared
        except SQLAlchemyError as e:  # ending the shared transaction failed
            raise self._translate(e, self.statement_timeout) from e

    def _translate(self, error: SQLAlchemyError, budget: float) -> ConnectorError:
        message = str(getattr(error, "orig", error)).lower()
        name = self.display_name
        if isinstance(error, PoolTimeoutError):  # every pooled connection is in use by other views
            return TimedOutError(f"{name} is busy: no database connection came free in time")
        if any(s in message for s in ("interrupted", "statement timeout", "canceling statement", "database is locked")):
            return TimedOutError(f"{name} took longer than {budget:.1f} s to answer")
        if any(s in message for s in ("permission denied", "authentication failed", "password", 'role "')):
            return UnauthorisedError(f"{name} refused the portal's database credentials")
        if isinstance(error, DBAPIError) and error.connection_invalidated or any(
                s in message for s in ("unable to open", "connection refused", "could not connect", "timeout expired",
                                       "connection failed", "server closed")):
            return SourceUnavailableError(f"{name} could not be reached")
        if "does not exist" in message or "no such table" in message:
            return FatalError(f"{name} has no table the portal was configured to read (or it is hidden from the "
                              "portal's account)")
        return FatalError(f"{name} could not answer the query ({type(error).__name__})")


class SqlEventStream:
    """One configured query, wrapped in ORDER BY its event date and LIMIT/OFFSET, with a COUNT for the total."""

    pushed_down = True

    def __init__(self, connector: SqlConnector, spec: QuerySpec, person: PersonRecord) -> None:
        self.name = spec.name
        self._read = partial(connector._event_window, spec, person)

    def fetch(self, window: EventWindow, *, deadline: float) -> EventSlice:
        return self._read(window, deadline)




def _collect(rows: list[dict[str, Any]], spec: QuerySpec) -> list[dict[str, Any]]:
    if not spec.collect:
        return rows
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = as_text(row.get(spec.id_field))
        merged = grouped.setdefault(key, {**row, **{c: [] for c in spec.collect}})
        for column in spec.collect:
            if row.get(column) not in (None, ""):
                merged[column].append(row[column])
    return list(grouped.values())
