"""What governance boards act on, aggregated in SQL: clause use, frequent stoppages, agency reliability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from portal.audit.bind import Bind, read_connection
from portal.audit.flow_sql import (
    ASKING_EVENTS,
    VIEW_EVENTS,
    agency_of,
    build_cube,
    run,
    source_rows,
    stop_rows,
    week_of,
)
from portal.audit.models import Outcome

Row = tuple[object, ...]


@dataclass(frozen=True)
class Governance:
    clause_use: list[Row]  # (clause reference, views citing it)
    stop_pairs: list[Row]  # (requesting agency, source agency or None, reason, occurrences), most first
    reliability: list[Row]  # (week, agency, asked, answered, no record, withheld, timed out, failed, p95 ms)


def clause_use(connection: Connection, start: datetime, end: datetime) -> list[Row]:
    """How many successful views cited each agreement clause in the period."""
    dialect = connection.dialect.name
    events = ", ".join(f"'{event}'" for event in VIEW_EVENTS)
    if dialect == "postgresql":
        expand = ("CROSS JOIN LATERAL json_array_elements_text(CASE WHEN json_typeof(e.agreements) = 'array' "
                  "THEN e.agreements ELSE '[]'::json END) AS a(value)")
    else:
        expand = ", json_each(CASE WHEN json_type(e.agreements) = 'array' THEN e.agreements ELSE '[]' END) AS a"
    sql = f"""SELECT a.value, COUNT(*) FROM audit_entries e {expand}
              WHERE e.event_type IN ({events}) AND e.outcome = {int(Outcome.SUCCESS)}
                AND e.recorded_at >= :start AND e.recorded_at < :end
              GROUP BY a.value ORDER BY a.value"""
    return [(str(row[0]), int(row[1])) for row in run(connection, sql, start, end)]


def stop_pairs(connection: Connection, start: datetime, end: datetime, limit: int = 20) -> list[Row]:
    """The most frequent stoppages by requesting agency, source agency and reason."""
    dialect = connection.dialect.name
    requester = agency_of(dialect, "stops.organisation")
    sql = f"""SELECT {requester} AS requester, stops.agency, stops.reason, SUM(stops.n) AS occurrences
              FROM ({stop_rows(dialect)}) AS stops
              GROUP BY 1, 2, 3 ORDER BY occurrences DESC, requester, stops.reason LIMIT :limit"""
    return [tuple(row) for row in run(connection, sql, start, end, limit=limit)]


def reliability(connection: Connection, start: datetime, end: datetime) -> list[Row]:
    """Per agency per week: asked, answered, no record, withheld, timed out, failed, and the p95 answer time.

    p95 is nearest-rank over the calls that got an answer (answered or no record), with window
    functions both databases have: the smallest time at or above the 95th percentile position.
    """
    dialect = connection.dialect.name
    week = week_of(dialect, "src.recorded_at")
    sql = f"""
    WITH calls AS (
        SELECT {week} AS week, src.agency, src.status, src.elapsed_ms
        FROM ({source_rows(dialect, ASKING_EVENTS)}) AS src
    ),
    ranked AS (
        SELECT week, agency, elapsed_ms,
               ROW_NUMBER() OVER (PARTITION BY week, agency ORDER BY elapsed_ms) AS position,
               COUNT(*) OVER (PARTITION BY week, agency) AS answered_calls
        FROM calls WHERE status IN ('answered', 'no_record')
    ),
    p95 AS (
        SELECT week, agency, MIN(elapsed_ms) AS p95_ms FROM ranked
        WHERE position * 100 >= 95 * answered_calls GROUP BY week, agency
    )
    SELECT calls.week, calls.agency, COUNT(*),
           SUM(CASE WHEN calls.status = 'answered' THEN 1 ELSE 0 END),
           SUM(CASE WHEN calls.status = 'no_record' THEN 1 ELSE 0 END),
           SUM(CASE WHEN calls.status = 'withheld' THEN 1 ELSE 0 END),
           SUM(CASE WHEN calls.status = 'timed_out' THEN 1 ELSE 0 END),
           SUM(CASE WHEN calls.status = 'failed' THEN 1 ELSE 0 END),
           MAX(p95.p95_ms)
    FROM calls LEFT JOIN p95 ON p95.week = calls.week AND p95.agency = calls.agency
    GROUP BY calls.week, calls.agency ORDER BY calls.week, calls.agency"""
    return [tuple(row) for row in run(connection, sql, start, end)]


def governance_for_period(bind: Bind, start: datetime, end: datetime) -> Governance:
    with read_connection(bind) as connection:
        build_cube(connection, start, end)
        return Governance(
            clause_use=clause_use(connection, start, end),
            stop_pairs=stop_pairs(connection, start, end),
            reliability=reliability(connection, start, end),
        )
