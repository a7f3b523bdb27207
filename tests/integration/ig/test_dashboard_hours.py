"""Out-of-hours views counted from the hourly rollup in SQL equal a count of the entries by the flag's own rule, on
both databases, across both changes of the clocks, for more than one working day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from portal.audit import AuditInput, AuditWriter
from portal.audit.queries import iter_entries
from portal.audit.rollup import summarise_days
from portal.ig.dashboard_flags import dashboard_flags
from portal.ig.flags import FlagThresholds, is_out_of_hours, is_successful_view, out_of_hours_views
from tests.support.audit_store import migrated_audit_engine

# 29 March 2026: clocks go forward at 01:00 UTC; 25 October 2026: back at 01:00 UTC. 28 March and 24 October are
# Saturdays, so the UK day of 23:00 UTC matters for weekends too.
SEASONS = {"spring": date(2026, 3, 27), "autumn": date(2026, 10, 23)}
DAYS = 5


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_audit_engine(request.param, tmp_path, "dashboard_hours") as made:
        yield made


def _trail(engine: Engine, first: date) -> None:
    """A view at :30 past every UTC hour of the days, a refused one and a search beside some (not views)."""
    start = datetime.combine(first, time(), tzinfo=UTC)
    for hour in range(DAYS * 24):
        moment = start + timedelta(hours=hour, minutes=30)
        kinds = ["view_child"] + (["refused", "search"] if hour % 5 == 0 else [])
        for kind in kinds:
            AuditWriter(engine, clock=lambda moment=moment: moment).record(AuditInput(
                event_type=kind, outcome=4 if kind == "refused" else 0, user_id=f"user-{hour % 3}",
                user_display_name="Sam Reid", organisation="health: NHS Lothian", subject_chi="0101011237",
                relationship_basis="named_person"))


@pytest.mark.parametrize("season", sorted(SEASONS))
def test_out_of_hours_totals_and_earliest_equal_the_flag_over_the_entries(engine: Engine, season: str) -> None:
    first = SEASONS[season]
    _trail(engine, first)
    everything = list(iter_entries(engine))
    start = datetime.combine(first, time(), tzinfo=UTC)
    periods = [(start, start + timedelta(days=DAYS)), (start + timedelta(hours=13, minutes=15), start + timedelta(
        days=DAYS - 1, hours=20))]
    working_days = [FlagThresholds(), FlagThresholds(working_day_start=time(9), working_day_end=time(17)),
                    FlagThresholds(working_day_start=time(0), working_day_end=time(23))]
    for summarised in (False, True):
        if summarised:  # all but the last day from the rollup
            assert len(summarise_days(engine, today=first + timedelta(days=DAYS - 1))) == DAYS - 1
        for thresholds in working_days:
            for since, until in periods:
                inside = [entry for entry in everything if since <= entry.recorded_at < until]
                expected = out_of_hours_views(inside, thresholds)
                assert 0 < len(expected) < len([entry for entry in inside if is_successful_view(entry)])
                assert len(expected) == sum(1 for entry in inside if is_successful_view(entry)
                                            and is_out_of_hours(entry.recorded_at, thresholds))
                found, _ = dashboard_flags(engine, since, until, thresholds, "key", lambda name: None, shown=4)
                assert found["out_of_hours"].total == len(expected)
                assert found["out_of_hours"].shown == expected[:4]
