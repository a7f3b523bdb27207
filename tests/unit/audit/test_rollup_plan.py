"""How a period's summarised days are split between month (week) sums and daily rows, and where periods start."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.audit.rollup import PeriodPlan
from portal.audit.rollup_spans import month_days, months_between, week_days, weeks_between
from portal.audit.viewer_children import period_starts


def _days(first: date, last: date) -> tuple[date, ...]:
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


def test_months_and_weeks_have_their_calendar_edges() -> None:
    assert month_days("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))  # a leap year
    assert month_days("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert months_between(date(2025, 12, 3), date(2026, 2, 1)) == ["2025-12", "2026-01", "2026-02"]
    assert week_days("2026-03-30") == (date(2026, 3, 30), date(2026, 4, 5))
    assert weeks_between(date(2026, 4, 1), date(2026, 4, 13)) == ["2026-03-30", "2026-04-06", "2026-04-13"]


def test_daily_rows_are_read_only_for_the_days_no_month_sum_covers() -> None:
    plan = PeriodPlan(_days(date(2026, 1, 25), date(2026, 4, 2)), (), months=("2026-02", "2026-03"))
    assert plan.day_runs("month") == [("2026-01-25", "2026-01-31"), ("2026-04-01", "2026-04-02")]
    assert plan.day_runs("week") == [("2026-01-25", "2026-04-02")]  # no week sums: every day


def test_a_month_left_out_between_summed_ones_is_read_by_day() -> None:
    plan = PeriodPlan(_days(date(2026, 1, 1), date(2026, 3, 31)), (), months=("2026-01", "2026-03"))
    assert plan.day_runs("month") == [("2026-02-01", "2026-02-28")]


def test_the_rollup_counts_children_from_every_start_a_page_may_ask_for_before_the_next_run() -> None:
    starts = period_starts(date(2026, 4, 12))  # BST: UK days 12, 13 and 14 April overlap the two UTC days
    assert datetime(2026, 4, 5, 23, tzinfo=UTC) in starts  # 7 days to 12 April: from 6 April 00:00 BST
    assert datetime(2026, 4, 7, 23, tzinfo=UTC) in starts  # 7 days to 14 April
    assert datetime(2025, 4, 12, 23, tzinfo=UTC) in starts  # 365 days to 12 April
    assert all(start < datetime(2026, 4, 12, tzinfo=UTC) for start in starts)
    assert len(starts) == 12
