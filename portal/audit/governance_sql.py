"""SQL shared by the governance page and the daily rollup: clause use and per-agency calls by answer time.

Calls are counted per whole-millisecond answer time (a histogram with 1 ms buckets, the
precision the trail records), so a week's nearest-rank p95 from daily summaries is exactly
the one from the raw trail. Times of calls that got no answer do not enter p95, so they
are all counted under 0 ms, which keeps the table to the distinct answer times.
"""

from __future__ import annotations

from portal.audit.flow_sql import ASKING_EVENTS, VIEW_EVENTS, source_rows
from portal.audit.models import Outcome

CALLS_TABLE = "tr_calls"
ANSWERED = "('answered', 'no_record')"  # the calls p95 is over


def clause_select(dialect: str, first_key: str) -> str:
    """(first_key, clause, views citing it) for successful views in [:start, :end)."""
    events = ", ".join(f"'{event}'" for event in VIEW_EVENTS)
    if dialect == "postgresql":
        expand = ("CROSS JOIN LATERAL json_array_elements_text(CASE WHEN json_typeof(e.agreements) = 'array' "
                  "THEN e.agreements ELSE '[]'::json END) AS a(value)")
    else:
        expand = ", json_each(CASE WHEN json_type(e.agreements) = 'array' THEN e.agreements ELSE '[]' END) AS a"
    return f"""SELECT {first_key}, a.value, COUNT(*) FROM audit_entries e {expand}
               WHERE e.event_type IN ({events}) AND e.outcome = {int(Outcome.SUCCESS)}
                 AND e.recorded_at >= :start AND e.recorded_at < :end
               GROUP BY 1, 2"""


def calls_select(dialect: str, first_key: str) -> str:
    """(first_key, agency, status, answer time in ms, calls) for every agency asked in [:start, :end)."""
    bucket = f"CASE WHEN src.status IN {ANSWERED} THEN CAST(src.elapsed_ms AS BIGINT) ELSE 0 END"
    return f"""SELECT {first_key}, src.agency, src.status, {bucket}, COUNT(*)
               FROM ({source_rows(dialect, ASKING_EVENTS)}) AS src GROUP BY 1, 2, 3, 4"""


def week_of_day(dialect: str, column: str) -> str:
    """The Monday (`YYYY-MM-DD`) starting the week of a `YYYY-MM-DD` text column."""
    if dialect == "postgresql":
        return f"to_char(date_trunc('week', CAST({column} AS date)), 'YYYY-MM-DD')"
    return f"date({column}, '-' || ((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7) || ' days')"


def create_calls_table() -> list[str]:
    return [f"DROP TABLE IF EXISTS {CALLS_TABLE}",
            f"CREATE TEMPORARY TABLE {CALLS_TABLE} (week TEXT, agency TEXT, status TEXT, bucket_ms BIGINT, "
            "calls BIGINT)"]


# Per week and agency: counts per status, and nearest-rank p95 over the answered calls' times.
RELIABILITY_FROM_CALLS = f"""
WITH calls AS (
    SELECT week, agency, status, bucket_ms, SUM(calls) AS calls FROM {CALLS_TABLE} GROUP BY 1, 2, 3, 4
),
timed AS (
    SELECT week, agency, bucket_ms, SUM(calls) AS calls FROM calls
    WHERE status IN {ANSWERED} GROUP BY 1, 2, 3
),
ranked AS (
    SELECT week, agency, bucket_ms,
           SUM(calls) OVER (PARTITION BY week, agency ORDER BY bucket_ms) AS up_to,
           SUM(calls) OVER (PARTITION BY week, agency) AS answered_calls
    FROM timed
),
p95 AS (
    SELECT week, agency, MIN(bucket_ms) AS p95_ms FROM ranked
    WHERE up_to * 100 >= 95 * answered_calls GROUP BY week, agency
)
SELECT calls.week, calls.agency, SUM(calls.calls),
       SUM(CASE WHEN calls.status = 'answered' THEN calls.calls ELSE 0 END),
       SUM(CASE WHEN calls.status = 'no_record' THEN calls.calls ELSE 0 END),
       SUM(CASE WHEN calls.status = 'withheld' THEN calls.calls ELSE 0 END),
       SUM(CASE WHEN calls.status = 'timed_out' THEN calls.calls ELSE 0 END),
       SUM(CASE WHEN calls.status = 'failed' THEN calls.calls ELSE 0 END),
       MAX(p95.p95_ms)
FROM calls LEFT JOIN p95 ON p95.week = calls.week AND p95.agency = calls.agency
GROUP BY calls.week, calls.agency ORDER BY calls.week, calls.agency"""
