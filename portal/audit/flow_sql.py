"""SQL building blocks for the transparency tool and the IG dashboard, for SQLite and PostgreSQL.

Per-source detail lives in the `sources` JSON column. The two databases spell JSON
expansion differently (`json_each` / `json_array_elements`), so each building block
has one spelling per dialect; everything built on top of them is plain SQL common to
both. Nothing here reads record content: the trail holds none.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, text

from portal.audit.models import EventType, Outcome, UtcDateTime

# Events that put a child's record in front of someone: what "a view" means in every figure.
VIEW_EVENTS = (EventType.VIEW_CHILD.value, EventType.CHRONOLOGY_PAGE.value, EventType.PRINT.value)
# Events whose sources show an agency being asked (reliability counts searches too).
ASKING_EVENTS = (*VIEW_EVENTS, EventType.SEARCH.value)

# Per-source numeric fields, read with a default of 0 so entries written before a field existed still count.
_SOURCE_NUMBERS = ("elapsed_ms", "item_count", "restricted_withheld", "sealed_notices", "candidates",
                   "dropped_wrong_child")

# Why a flow stopped at a source; each test reads one row of `src`.
SOURCE_REASONS: dict[str, str] = {
    "category_not_agreed": "src.withheld_categories > 0 OR src.status = 'withheld'",
    "restricted_withheld": "src.restricted_withheld > 0",
    "sealed_notice": "src.sealed_notices > 0",
    "timed_out": "src.status = 'timed_out'",
    "failed": "src.status = 'failed'",
    "not_matched": "src.status = 'no_record' AND (src.candidates > 0 OR src.subject_chi IS NULL)",
    "wrong_person_dropped": "src.dropped_wrong_child > 0",
}
# Stops recorded as whole entries, not per source.
ENTRY_REASONS: dict[str, str] = {
    "refused": EventType.REFUSED.value,
    "break_glass": EventType.BREAK_GLASS_START.value,
}


def _quoted(values: tuple[str, ...]) -> str:
    # Only ever our own constants: never user input.
    return ", ".join(f"'{value}'" for value in values)


def _postgres_source_rows(events: tuple[str, ...]) -> str:
    numbers = ",\n".join(
        f"COALESCE(CAST(s.value ->> '{name}' AS BIGINT), 0) AS {name}" for name in _SOURCE_NUMBERS
    )
    return f"""
    SELECT e.sequence, e.recorded_at, e.event_type, e.organisation, e.user_role, e.purpose_code,
           e.break_glass, e.subject_chi,
           s.value ->> 'agency' AS agency, s.value ->> 'status' AS status,
           {numbers},
           CASE WHEN jsonb_typeof(s.value -> 'withheld_categories') = 'array'
                THEN jsonb_array_length(s.value -> 'withheld_categories') ELSE 0 END AS withheld_categories
    FROM audit_entries e
    -- jsonb: parsed once per entry, where every ->> on json text would parse the whole array again.
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN json_typeof(e.sources) = 'array' THEN e.sources::jsonb ELSE '[]'::jsonb END) AS s(value)
    WHERE e.event_type IN ({_quoted(events)}) AND e.outcome = {int(Outcome.SUCCESS)}
      AND e.recorded_at >= :start AND e.recorded_at < :end"""


def _sqlite_source_rows(events: tuple[str, ...]) -> str:
    numbers = ",\n".join(f"COALESCE(json_extract(s.value, '$.{name}'), 0) AS {name}" for name in _SOURCE_NUMBERS)
    return f"""
    SELECT e.sequence, e.recorded_at, e.event_type, e.organisation, e.user_role, e.purpose_code,
           e.break_glass, e.subject_chi,
           json_extract(s.value, '$.agency') AS agency, json_extract(s.value, '$.status') AS status,
           {numbers},
           COALESCE(json_array_length(s.value, '$.withheld_categories'), 0) AS withheld_categories
    FROM audit_entries e,
         json_each(CASE WHEN json_type(e.sources) = 'array' THEN e.sources ELSE '[]' END) AS s
    WHERE e.event_type IN ({_quoted(events)}) AND e.outcome = {int(Outcome.SUCCESS)}
      AND e.recorded_at >= :start AND e.recorded_at < :end"""


def source_rows(dialect: str, events: tuple[str, ...] = VIEW_EVENTS) -> str:
    """A SELECT of one row per source per entry in the period: the `src` relation every query builds on."""
    if dialect == "postgresql":
        return _postgres_source_rows(events)
    if dialect == "sqlite":
        return _sqlite_source_rows(events)
    raise ValueError(f"unsupported audit store dialect: {dialect}")


def month_of(dialect: str, column: str) -> str:
    """`YYYY-MM` of a UTC timestamp column."""
    if dialect == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"
    return f"strftime('%Y-%m', {column})"


def week_of(dialect: str, column: str) -> str:
    """The Monday (`YYYY-MM-DD`) starting the UTC week of a timestamp column."""
    if dialect == "postgresql":
        return f"to_char(date_trunc('week', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
    return f"date({column}, '-' || ((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7) || ' days')"


def hour_of(dialect: str, column: str) -> str:
    """`YYYY-MM-DD HH` of a UTC timestamp column (the dashboard maps hours onto UK days)."""
    if dialect == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"
    return f"strftime('%Y-%m-%d %H', {column})"


def agency_of(dialect: str, column: str) -> str:
    """The agency part of an "agency: organisation" column."""
    if dialect == "postgresql":
        return f"split_part(COALESCE({column}, ''), ':', 1)"
    return f"CASE WHEN instr({column}, ':') > 0 THEN substr({column}, 1, instr({column}, ':') - 1) ELSE {column} END"


# What a stop at a source holds back, per reason (categories for an agreement gap, items for R/V and wrong person).
_REASON_ITEMS = {"restricted_withheld": "src.restricted_withheld", "wrong_person_dropped": "src.dropped_wrong_child",
                 "category_not_agreed": "src.withheld_categories"}
CUBE = "tr_flow_cube"
CUBE_KEYS = ("month", "organisation", "user_role", "purpose_code", "agency")


def cube_columns() -> list[str]:
    """The cube's count columns, in order: asked, answered, items, then per reason occurrences and items held back."""
    return ["asked", "answered", "items", *(f"{kind}_{reason}" for reason in SOURCE_REASONS for kind in ("n", "i"))]


def source_cube_select(dialect: str, first_key: str) -> str:
    """A SELECT over the period's source rows grouped by (first_key, organisation, role, purpose, agency), giving
    `cube_columns()`. `first_key` is SQL: the month for the cube, a day literal for the daily rollup."""
    sums = []
    for reason, test in SOURCE_REASONS.items():
        items = _REASON_ITEMS.get(reason, "0")
        sums.append(f"SUM(CASE WHEN {test} THEN 1 ELSE 0 END), SUM(CASE WHEN {test} THEN {items} ELSE 0 END)")
    return f"""SELECT {first_key}, src.organisation, src.user_role, src.purpose_code,
                   src.agency, COUNT(*), SUM(CASE WHEN src.status = 'answered' THEN 1 ELSE 0 END),
                   SUM(src.item_count), {", ".join(sums)}
            FROM ({source_rows(dialect)}) AS src
            GROUP BY 1, 2, 3, 4, 5"""


def cube_statements(dialect: str) -> list[str]:
    """Statements that create, then fill from the raw trail for [:start, :end), a temporary table with one row per
    (month, organisation, role, purpose, agency): times asked, answered, items, and per reason how often the
    source stopped and what it held back. The table may hold several rows per key (raw pieces and daily rollups):
    every reader sums.

    One pass over the JSON per page: every breakdown of flows and stoppages is then a GROUP BY over this small
    table (months × organisations × roles × purposes × agencies), not another pass over the trail.
    """
    reason_columns = [f"n_{reason} BIGINT, i_{reason} BIGINT" for reason in SOURCE_REASONS]
    return [
        f"DROP TABLE IF EXISTS {CUBE}",
        f"""CREATE TEMPORARY TABLE {CUBE} (month TEXT, organisation TEXT, user_role TEXT, purpose_code TEXT,
            agency TEXT, asked BIGINT, answered BIGINT, items BIGINT, {", ".join(reason_columns)})""",
        f"INSERT INTO {CUBE} {source_cube_select(dialect, month_of(dialect, 'src.recorded_at'))}",
    ]


def tune_for_aggregation(connection: Connection) -> None:
    """PostgreSQL only, for this transaction: no JIT (the planner cannot size JSON expansion and compiles for
    seconds to save milliseconds) and room to hash-aggregate in memory."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")
        connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")


def build_cube(connection: Connection, start: datetime, end: datetime) -> None:
    """Fill the cube for [start, end) on this connection (a temporary table: private to it): whole days already
    summarised come from the daily rollup, the rest (part days, days not yet summarised) from the raw trail."""
    from portal.audit.entry_counts import ENTRY_COUNTS, create_entry_counts, entry_counts_select
    from portal.audit.rollup import add_rolled_up_entry_counts, add_rollups_to_cube, split_period

    tune_for_aggregation(connection)
    create, fill = cube_statements(connection.dialect.name)[:2], cube_statements(connection.dialect.name)[2]
    for statement in [*create, *create_entry_counts()]:
        connection.exec_driver_sql(statement)
    counts = f"INSERT INTO {ENTRY_COUNTS} {entry_counts_select(month_of(connection.dialect.name, 'recorded_at'))}"
    plan = split_period(connection, start, end)
    for raw_start, raw_end in plan.raw:
        connection.execute(period_query(fill), {"start": raw_start, "end": raw_end})
        connection.execute(period_query(counts), {"start": raw_start, "end": raw_end})
    add_rollups_to_cube(connection, plan)
    add_rolled_up_entry_counts(connection, plan)


def period_query(sql: str) -> TextClause:
    """A text query with :start and :end bound as audit timestamps (UTC on both dialects)."""
    names = [name for name in ("start", "end") if f":{name}" in sql]
    return text(sql).bindparams(*(bindparam(name, type_=UtcDateTime()) for name in names))


def run(connection: Connection, sql: str, start: datetime, end: datetime, **params: Any) -> list[Any]:
    """Run a period query and return its rows as tuples (PostgreSQL's SUM gives Decimal: made int here)."""
    bound = {name: value for name, value in (("start", start), ("end", end)) if f":{name}" in sql}
    result = connection.execute(period_query(sql), {**bound, **params})
    return [tuple(int(value) if isinstance(value, Decimal) else value for value in row) for row in result]
