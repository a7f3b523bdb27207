"""SQL shared by the governance page and the daily rollup: clause use and per-agency calls by answer time.

Calls are counted in a bounded histogram of answer times: bands whose upper edges run
10, 15, 20, 25, 30, 40, 50, 60, 75, 100 ms and so on per decade up to 100 s (each band at
most 1.5 times the one before; slower answers in whole 100 s bands). A week's p95 is the
upper edge of the band holding the nearest-rank 95th-percentile call, so the true p95 is at
most that figure and above the edge before it; the daily rollup then keeps a few dozen rows
per agency and day instead of one per distinct millisecond, and pages built from it give
the same figure as the raw trail. Times of calls that got no answer do not enter p95, so
they are all counted under 0.
"""

from __future__ import annotations

from portal.audit.flow_sql import ASKING_EVENTS, VIEW_EVENTS, source_rows
from portal.audit.models import Outcome

CALLS_TABLE = "tr_calls"
# Upper edges (ms) of the answer-time bands: per decade from 10 ms, these steps, then 100 s.
_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5)
BAND_EDGES_MS: tuple[int, ...] = (*(int(step * 10 ** decade) for decade in range(1, 5) for step in _STEPS), 100_000)
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


def band_edge(elapsed_ms: int) -> int:
    """The upper edge (ms) of the band an answer time falls in: what the SQL below computes, for tests and docs."""
    for edge in BAND_EDGES_MS:
        if elapsed_ms <= edge:
            return edge
    return -(-elapsed_ms // BAND_EDGES_MS[-1]) * BAND_EDGES_MS[-1]


def band_edge_sql(column: str) -> str:
    """SQL giving `band_edge` of an integer millisecond column (integer division on both databases)."""
    whens = " ".join(f"WHEN {column} <= {edge} THEN {edge}" for edge in BAND_EDGES_MS)
    top = BAND_EDGES_MS[-1]
    return f"CASE {whens} ELSE (({column} + {top - 1}) / {top}) * {top} END"


def calls_select(dialect: str, first_key: str) -> str:
    """(first_key, agency, status, answer-time band's upper edge in ms, calls) for every agency asked in
    [:start, :end)."""
    bucket = f"CASE WHEN src.status IN {ANSWERED} THEN {band_edge_sql('CAST(src.elapsed_ms AS BIGINT)')} ELSE 0 END"
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


# Per week and agency: counts per status, and the band edge of the nearest-rank p95 over the answered calls.
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
