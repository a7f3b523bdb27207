"""On PostgreSQL the dashboard's flag queries can use the indexes audit migration 0004 made for them.

Each index's WHERE clause must match the query's for the planner to use it. On a tiny
trail the planner may pick any index, so this throwaway store drops the trail's older
single-column indexes and prices sequential scans out, then tries each new index with the
other new ones dropped: a query that cannot use it still falls back to a sequential scan,
so a plan names the index only while its WHERE clause and the query's stay in step.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event

from portal.audit.dashboard_queries import flag_inputs
from portal.ig.flags import is_out_of_hours
from tests.integration.ig.test_dashboard_sql import END, START, THRESHOLDS, _trail, _viewer_hash
from tests.support.audit_store import migrated_audit_engine

INDEXES = {"ix_audit_entries_view_children", "ix_audit_entries_viewer_children", "ix_audit_entries_user_time",
           "ix_audit_entries_views_no_basis", "ix_audit_entries_viewer_child_surname"}


def _index_names(plan: Any) -> set[str]:
    if isinstance(plan, dict):
        found = {plan["Index Name"]} if "Index Name" in plan else set()
        return found.union(*(_index_names(value) for value in plan.values()))
    if isinstance(plan, list):
        return set().union(*(_index_names(value) for value in plan))
    return set()


@pytest.mark.postgres
def test_flag_queries_use_their_indexes(tmp_path: Path) -> None:
    with migrated_audit_engine("postgresql", tmp_path, "dashboard_indexes") as engine:
        _trail(engine)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
            autocommit.exec_driver_sql("VACUUM (ANALYZE) audit_entries")  # the visibility map: index-only scans
        seen: list[tuple[str, Any]] = []
        with engine.connect() as connection:
            for column in ("subject_chi", "user_id", "recorded_at", "event_type", "organisation", "related_sequence"):
                connection.exec_driver_sql(f"DROP INDEX ix_audit_entries_{column}")
            connection.exec_driver_sql("SET enable_seqscan = off")

            def record(conn: Connection, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
                if statement.lstrip().upper().startswith("SELECT") and "audit_entries" in statement:
                    seen.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", record)
            try:
                flag_inputs(connection, START, END, many_children=THRESHOLDS.many_children,
                            window=timedelta(hours=24), median_multiple=3.0, median_minimum=5, refusals_per_day=3,
                            shown=5, working_hours=(8, 18), hour_is_out=lambda hour: is_out_of_hours(hour, THRESHOLDS),
                            viewer_surname_hash=_viewer_hash)
            finally:
                event.remove(engine, "before_cursor_execute", record)
            usable: set[str] = set()
            for index in sorted(INDEXES):  # each with the other new ones gone: they are partial on views too
                savepoint = connection.begin_nested()
                for other in INDEXES - {index}:
                    connection.exec_driver_sql(f"DROP INDEX {other}")
                for statement, parameters in seen:
                    plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
                    usable |= _index_names(json.loads(plan) if isinstance(plan, str) else plan) & {index}
                savepoint.rollback()
        assert usable == INDEXES
