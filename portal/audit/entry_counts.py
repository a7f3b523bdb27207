"""Whole-entry counts for a period (views, refusals, break-glass starts) per (month, organisation, role, purpose).

Filled like the flows cube: from the daily rollup for summarised days and from the raw
trail for the rest, into a temporary table the flows and stoppage queries read.
"""

from __future__ import annotations

from portal.audit.flow_sql import ENTRY_REASONS, VIEW_EVENTS
from portal.audit.models import Outcome

ENTRY_COUNTS = "tr_entry_counts"
KEYS = ("organisation", "user_role", "purpose_code")
COUNTS = ("views", *(f"n_{reason}" for reason in ENTRY_REASONS))


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)  # only our own constants


def entry_counts_select(first_key: str) -> str:
    """(first_key, organisation, role, purpose, successful views, then one count per whole-entry stop reason)
    for [:start, :end)."""
    views = f"event_type IN ({_quoted(VIEW_EVENTS)}) AND outcome = {int(Outcome.SUCCESS)}"
    stops = [f"SUM(CASE WHEN event_type = '{event}' THEN 1 ELSE 0 END)" for event in ENTRY_REASONS.values()]
    events = _quoted((*VIEW_EVENTS, *ENTRY_REASONS.values()))
    return f"""SELECT {first_key}, {", ".join(KEYS)}, SUM(CASE WHEN {views} THEN 1 ELSE 0 END), {", ".join(stops)}
               FROM audit_entries WHERE event_type IN ({events}) AND recorded_at >= :start AND recorded_at < :end
               GROUP BY 1, 2, 3, 4"""


def create_entry_counts() -> list[str]:
    counts = ", ".join(f"{name} BIGINT" for name in COUNTS)
    return [f"DROP TABLE IF EXISTS {ENTRY_COUNTS}",
            f"CREATE TEMPORARY TABLE {ENTRY_COUNTS} (month TEXT, {', '.join(f'{k} TEXT' for k in KEYS)}, {counts})"]
