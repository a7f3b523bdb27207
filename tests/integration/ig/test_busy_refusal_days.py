"""Busy refusal days found from the UK-day rollup by index equal a count of the trail's refusals per UK day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from portal.audit import AuditInput
from portal.audit.dashboard_flags_sql import busy_uk_refusal_days
from portal.audit.queries import iter_entries
from portal.audit.rollup import summarise_days
from tests.integration.ig.test_dashboard_rollup import TODAY, _record, _trail, engine  # noqa: F401 (fixture)

UK = ZoneInfo("Europe/London")
FIRST_DAY, LAST_DAY = "2026-02-21", "2026-04-11"  # UK days whose UTC days the rollup has all summarised


def _refused_without_a_user(engine: Engine) -> None:  # noqa: F811 (the fixture's name)
    """One refusal on UTC 5 April at 23:30 (UK 6 April, BST) and two on UTC 6 April: three on UK 6 April."""
    for at in (datetime(2026, 4, 5, 23, 30, tzinfo=UTC), datetime(2026, 4, 6, 8, tzinfo=UTC),
               datetime(2026, 4, 6, 9, tzinfo=UTC)):
        _record(engine, at, AuditInput(event_type="refused", outcome=4, subject_chi="0101011237"))


@pytest.mark.parametrize("reach", [1, 2, 3, 4])
def test_busy_refusal_days_are_those_counted_from_the_entries(engine: Engine, reach: int) -> None:  # noqa: F811
    _trail(engine)
    _refused_without_a_user(engine)
    summarise_days(engine, today=TODAY)
    per_uk_day = Counter((entry.user_id, entry.recorded_at.astimezone(UK).date().isoformat())
                         for entry in iter_entries(engine) if entry.event_type == "refused")
    expected = {(user, day, n) for (user, day), n in per_uk_day.items() if FIRST_DAY <= day <= LAST_DAY and n >= reach}
    with engine.connect() as connection:
        found = busy_uk_refusal_days(connection, FIRST_DAY, LAST_DAY, reach)
    assert sorted(found, key=str) == sorted(expected, key=str)
    assert per_uk_day[(None, "2026-04-06")] == 3  # split over two UTC days by BST, with no user id
    assert per_uk_day[("teacher", "2026-04-02")] == 3  # likewise, two of them on UTC 1 April
