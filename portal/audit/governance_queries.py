"""What governance boards act on, aggregated in SQL: clause use, frequent stoppages, agency reliability."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from portal.audit.bind import Bind, read_connection
from portal.audit.flow_sql import agency_of, build_cube, period_query, run, week_of
from portal.audit.governance_sql import (
    CALLS_TABLE,
    RELIABILITY_FROM_CALLS,
    calls_select,
    clause_select,
    create_calls_table,
)
from portal.audit.rollup import add_rolled_up_calls, rolled_up_clauses, split_period
from portal.audit.stop_breakdowns import sort_key, stop_totals

Row = tuple[object, ...]


@dataclass(frozen=True)
class Governance:
    clause_use: list[Row]  # (clause reference, views citing it)
    stop_pairs: list[Row]  # (requesting agency, source agency or None, reason, occurrences), most first
    reliability: list[Row]  # (week, agency, asked, answered, no record, withheld, timed out, failed, p95 band edge ms)


def clause_use(connection: Connection, start: datetime, end: datetime) -> list[Row]:
    """How many successful views cited each agreement clause in the period (summarised days from the rollup)."""
    plan = split_period(connection, start, end)
    sql = clause_select(connection.dialect.name, "'raw'")
    counts: Counter[str] = Counter()
    for raw_start, raw_end in plan.raw:
        for _, clause, views in run(connection, sql, raw_start, raw_end):
            counts[str(clause)] += int(views)
    for clause, views in rolled_up_clauses(connection, plan):
        counts[clause] += views
    return sorted(counts.items())


def stop_pairs(connection: Connection, start: datetime, end: datetime, limit: int = 20) -> list[Row]:
    """The most frequent stoppages by requesting agency, source agency and reason."""
    requester = agency_of(connection.dialect.name, "organisation")
    totals = stop_totals(connection, {"requester": requester, "agency": "agency"})
    ranked = sorted(((n, (who, agency, reason)) for (who, agency, reason), (n, _) in totals.items()),
                    key=lambda item: (-item[0], *sort_key((item[1][0], item[1][2], item[1][1]))))
    return [(*key, n) for n, key in ranked[:limit]]


def reliability(connection: Connection, start: datetime, end: datetime) -> list[Row]:
    """Per agency per week: asked, answered, no record, withheld, timed out, failed, and the p95 answer time.

    p95 is nearest-rank over the calls that got an answer (answered or no record), from counts per answer-time
    band, and given as that band's upper edge (`governance_sql.BAND_EDGES_MS`): the true p95 is at most it.
    Whole summarised days come from the daily rollup with the same result.
    """
    dialect = connection.dialect.name
    for statement in create_calls_table():
        connection.exec_driver_sql(statement)
    plan = split_period(connection, start, end)
    fill = f"INSERT INTO {CALLS_TABLE} {calls_select(dialect, week_of(dialect, 'src.recorded_at'))}"
    for raw_start, raw_end in plan.raw:
        connection.execute(period_query(fill), {"start": raw_start, "end": raw_end})
    add_rolled_up_calls(connection, plan)
    return [tuple(row) for row in run(connection, RELIABILITY_FROM_CALLS, start, end)]


def governance_for_period(bind: Bind, start: datetime, end: datetime) -> Governance:
    with read_connection(bind) as connection:
        build_cube(connection, start, end)
        return Governance(
            clause_use=clause_use(connection, start, end),
            stop_pairs=stop_pairs(connection, start, end),
            reliability=reliability(connection, start, end),
        )
