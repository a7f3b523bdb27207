"""The dashboard over long periods from monthly sums, refusals per UK day and stored distinct-children counts: the
same flags and counts as the flag functions over every entry of the period, across the change to BST."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import Engine, text

from portal.audit import AuditInput, AuditWriter
from portal.audit.dashboard_queries import dashboard_counts
from portal.audit.entry import RecordedEntry
from portal.audit.queries import iter_entries
from portal.audit.rollup import summarise_days
from portal.audit.store import audit_alembic_config, upgrade_audit_engine
from portal.audit.viewer_children import children_per_viewer
from portal.ig.dashboard_flags import dashboard_flags
from portal.ig.flags import FlagThresholds, all_flags, is_successful_view
from portal.ig.forms import uk_midnight
from tests.integration.ig.test_dashboard_sql import KEY, _agency, _flagged, _shown, _uk_day, _viewer_hash
from tests.support.audit_store import migrated_audit_engine

FIRST = datetime(2026, 2, 20, tzinfo=UTC)
LAST = datetime(2026, 4, 13, 5, tzinfo=UTC)  # the trail runs into "today" (12 April UK) and a little beyond
TODAY = date(2026, 4, 12)  # the rollup has run today: every UTC day before it is summarised
PEOPLE = [("teacher", "Sam Reid"), ("hv", "Jo Campbell"), ("police", "Chris Baird"), ("busy", "Pat Busy")]
THRESHOLDS = FlagThresholds(many_children=9, refusals_per_day=3, median_minimum_children=5)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_audit_engine(request.param, tmp_path, "dashboard_rollup") as made:
        yield made


def _record(engine: Engine, moment: datetime, entry: AuditInput) -> None:
    AuditWriter(engine, clock=lambda: moment).record_many([entry])


def _refusal(user: str) -> AuditInput:
    return AuditInput(event_type="refused", outcome=4, user_id=user, user_display_name=dict(PEOPLE)[user],
                      subject_chi="0101011237")


def _trail(engine: Engine) -> None:
    rng = random.Random(5)
    moment = FIRST
    while moment < LAST:
        user, name = rng.choice(PEOPLE)
        kind = rng.choices(["view_child", "chronology_page", "refused", "search"], weights=[75, 10, 5, 10])[0]
        chi = f"{rng.randint(1, 60 if user == 'busy' else 8):02d}01011237"
        own = surname_hash_or_other(name, rng)
        _record(engine, moment, AuditInput(
            event_type=kind, outcome=4 if kind == "refused" else 0, user_id=user, user_display_name=name,
            subject_chi=chi, relationship_basis=rng.choice(["named_person", "none", "team_around_child"]),
            details={"child_surname_hash": own}))
        moment += timedelta(minutes=rng.randint(20, 160))
    # Refusals around UK midnights: three on UK 2 April (two of them on UTC 1 April, under BST) ...
    for at in (datetime(2026, 4, 1, 23, 10, tzinfo=UTC), datetime(2026, 4, 1, 23, 40, tzinfo=UTC),
               datetime(2026, 4, 2, 9, tzinfo=UTC)):
        _record(engine, at, _refusal("teacher"))
    # ... and two on UK 10 March plus one on UK 11 March (GMT): three in 24 hours, but never three on one UK day.
    for at in (datetime(2026, 3, 10, 22, 10, tzinfo=UTC), datetime(2026, 3, 10, 23, 40, tzinfo=UTC),
               datetime(2026, 3, 11, 0, 20, tzinfo=UTC)):
        _record(engine, at, _refusal("hv"))


def surname_hash_or_other(name: str, rng: random.Random) -> str | None:
    from portal.ig.surnames import surname_hash, surname_of

    return surname_hash(surname_of(name) or "", KEY) if rng.random() < 0.03 else surname_hash("Other", KEY)


def _period(days: int) -> tuple[datetime, datetime]:
    """The dashboard's last `days` UK days ending on TODAY."""
    return uk_midnight(TODAY - timedelta(days=days - 1)), uk_midnight(TODAY + timedelta(days=1))


def _entries(engine: Engine, start: datetime, end: datetime) -> list[RecordedEntry]:
    return [entry for entry in iter_entries(engine, since=start) if entry.recorded_at < end]


def _children(entries: list[RecordedEntry]) -> dict[str | None, int]:
    seen: dict[str | None, set[str]] = defaultdict(set)
    for entry in entries:
        if is_successful_view(entry) and entry.subject_chi:
            seen[entry.user_id].add(entry.subject_chi)
    return {user: len(children) for user, children in seen.items()}


@pytest.mark.parametrize("days", [7, 30])
def test_flags_and_counts_from_the_rollup_are_those_over_every_entry(engine: Engine, days: int) -> None:
    _trail(engine)
    start, end = _period(days)
    everything = _entries(engine, start, end)
    expected = all_flags(everything, KEY, THRESHOLDS)
    before = dashboard_counts(engine, start, end)
    summarise_days(engine, today=TODAY)
    found, _ = dashboard_flags(engine, start, end, THRESHOLDS, KEY, _viewer_hash, shown=len(everything))
    assert _flagged(_shown(found)) == _flagged(expected)
    assert {kind: flags.total for kind, flags in found.items()} == {kind: len(flags) for kind, flags
                                                                     in expected.items()}
    assert dashboard_counts(engine, start, end) == before
    views = Counter(f"{entry.user_display_name} ({entry.user_id})" for entry in everything
                    if is_successful_view(entry))
    assert before.top_users == sorted(views.items(), key=lambda item: (-item[1], item[0]))[:10]


def test_repeated_refusals_are_judged_by_uk_day_across_summarised_days(engine: Engine) -> None:
    _trail(engine)
    start, end = _period(60)
    summarise_days(engine, today=TODAY)
    found, _ = dashboard_flags(engine, start, end, THRESHOLDS, KEY, _viewer_hash, shown=500)
    reasons = {(flag.user_id, flag.reason) for flag in found["repeated_refusals"].shown}
    assert ("teacher", "refused 3 times on 02 Apr 2026") in reasons
    assert ("hv", "refused 3 times on 10 Mar 2026") not in reasons  # three in 24 hours, two UK days
    assert ("hv", "refused 2 times on 10 Mar 2026") not in reasons
    expected = all_flags(_entries(engine, start, end), KEY, THRESHOLDS)["repeated_refusals"]
    assert {(flag.user_id, flag.reason, flag.sequences) for flag in found["repeated_refusals"].shown} == \
        {(flag.user_id, flag.reason, flag.sequences) for flag in expected}


@pytest.mark.parametrize("days", [7, 30, 90])
def test_distinct_children_per_viewer_from_stored_counts_equal_a_count_of_the_entries(engine: Engine,
                                                                                      days: int) -> None:
    _trail(engine)
    start, end = _period(days)
    expected = _children(_entries(engine, start, end))
    with engine.connect() as connection:
        assert children_per_viewer(connection, start, end) == expected  # no stored counts yet: from the trail
    summarise_days(engine, today=TODAY)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT COUNT(*) FROM audit_viewer_children WHERE horizon = :h"),
                                    {"h": TODAY.isoformat()}).scalar_one()
        assert stored > 0
        assert children_per_viewer(connection, start, end) == expected  # stored counts plus today's new pairs
    # A view slipped into a closed, counted day (never happens in use) does not show: proof the count is stored.
    _record(engine, start + timedelta(hours=30), AuditInput(event_type="view_child", user_id="teacher",
                                                            user_display_name="Sam Reid", subject_chi="9901011237"))
    with engine.connect() as connection:
        assert children_per_viewer(connection, start, end) == expected


def test_a_child_first_seen_today_counts_once_and_a_child_seen_again_today_not_again(engine: Engine) -> None:
    _trail(engine)
    start, end = _period(30)
    summarise_days(engine, today=TODAY)
    today = datetime(2026, 4, 12, 15, tzinfo=UTC)
    for chi in ("7701011237", "7701011237", "0101011237"):  # one new child (twice), one seen before
        _record(engine, today, AuditInput(event_type="view_child", user_id="police", user_display_name="Chris Baird",
                                          subject_chi=chi))
    before_today = _entries(engine, start, uk_midnight(TODAY))
    assert "0101011237" in {entry.subject_chi for entry in before_today if entry.user_id == "police"}
    assert "7701011237" not in {entry.subject_chi for entry in before_today}
    expected = _children(_entries(engine, start, end))
    with engine.connect() as connection:
        assert children_per_viewer(connection, start, end) == expected


def _uk_refusal_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT day, user_id, uk_day, refusals FROM audit_daily_uk_refusals ORDER BY day, user_id, uk_day"))]


def test_the_migration_counts_refusals_per_uk_day_for_days_summarised_before_it(engine: Engine) -> None:
    _trail(engine)
    summarise_days(engine, today=TODAY)
    before = _uk_refusal_rows(engine)
    assert ("2026-04-01", "teacher", "2026-04-02", 2) in before  # 23:10 and 23:40 UTC under BST
    assert ("2026-04-02", "teacher", "2026-04-02", 1) in before
    _down_and_up_again(engine, "0005_append_function")  # as if the days were summarised before 0006
    assert _uk_refusal_rows(engine) == before


def _down_and_up_again(engine: Engine, revision: str) -> None:
    """Downgrade the audit store to `revision`, then upgrade it to the newest: the later migrations' backfills run."""
    config = audit_alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()
    upgrade_audit_engine(engine)


def _uk_view_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT day, uk_day, agency, views, break_glass FROM audit_daily_uk_views ORDER BY day, uk_day, agency"))]


def _uk_hour_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT day, hour, uk_hour, weekend, views FROM audit_daily_uk_hours ORDER BY hour"))]


def test_views_per_uk_day_are_a_count_of_the_entries_and_the_migration_backfills_them(engine: Engine) -> None:
    """Each summarised UTC day's views land on their UK days (29 March, the change to BST, on: 23:00 UTC is the next
    UK day) and each UTC hour's on its UK hour and weekday, as a count of the entries says; migration 0007 fills the
    same rows for days summarised before it."""
    _trail(engine)
    summarise_days(engine, today=TODAY)
    rows = _uk_view_rows(engine)
    views = [entry for entry in iter_entries(engine) if is_successful_view(entry)
             and entry.recorded_at < datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)]
    expected = Counter((entry.recorded_at.date().isoformat(), _uk_day(entry.recorded_at), _agency(entry))
                       for entry in views)
    assert {(day, uk_day, agency or "unknown"): n for day, uk_day, agency, n, _ in rows if n} == expected
    assert any(day != uk_day for day, uk_day, *_ in rows), "the trail should have views on BST evenings"
    hours = _uk_hour_rows(engine)
    uk = ZoneInfo("Europe/London")
    by_hour = Counter((entry.recorded_at.date().isoformat(), f"{entry.recorded_at:%Y-%m-%d %H}",
                       entry.recorded_at.astimezone(uk).hour, int(entry.recorded_at.astimezone(uk).weekday() >= 5))
                      for entry in views)
    assert {(day, hour, uk_hour, weekend): n for day, hour, uk_hour, weekend, n in hours} == by_hour
    assert {uk_hour for _, hour, uk_hour, *_ in hours if hour.endswith(" 23")} == {23, 0}  # GMT and BST evenings
    _down_and_up_again(engine, "0006_monthly_rollup")  # as if the days were summarised before 0007
    assert _uk_view_rows(engine) == rows
    assert _uk_hour_rows(engine) == hours
