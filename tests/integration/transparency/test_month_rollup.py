"""Whole months and weeks from their sums: a period page gives the raw trail's figures for UK-day periods whose
edges fall anywhere in a month, across the change to BST, with months summed, partly summed or not at all."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from portal.audit import AuditInput, AuditWriter
from portal.audit.rollup import split_period, summarise_days
from portal.ig.forms import uk_midnight
from tests.integration.transparency.test_rollup import ORGS, _source, figures, summarised_twins
from tests.support.audit_store import migrated_audit_engine

FIRST = datetime(2026, 1, 20, 5, tzinfo=UTC)  # a Tuesday, so the first month and week start before the trail
LAST = datetime(2026, 4, 14, tzinfo=UTC)  # across the change to BST on 29 March 2026
TODAY = date(2026, 4, 12)  # summarised up to 11 April: January (part), February, March; weeks to 5 April


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_audit_engine(request.param, tmp_path, "month_rollup") as made:
        yield made


def generate(engine: Engine, seed: int = 3) -> None:
    """An entry every five hours or so from FIRST to LAST, some near UK midnights, of every kind."""
    rng = random.Random(seed)
    entries: list[tuple[datetime, AuditInput]] = []
    moment = FIRST
    while moment < LAST:
        kind = rng.choice(("view_child", "view_child", "chronology_page", "print", "search", "refused",
                           "break_glass_start"))
        sources = tuple(_source(rng, agency) for agency in ("health", "police", "scra") if rng.random() < 0.8)
        entries.append((moment, AuditInput(
            event_type=kind, organisation=rng.choice(ORGS), user_role=rng.choice(("practitioner", "lead")),
            purpose_code=rng.choice(("child_protection", "girfec_wellbeing")), user_id=rng.choice(("u1", "u2")),
            subject_chi=rng.choice(("0101011237", "0202021237", None)),
            outcome=4 if kind == "refused" or rng.random() < 0.05 else 0, break_glass=kind == "break_glass_start",
            sources=() if kind in ("refused", "break_glass_start") else sources,
            agreements=tuple(rng.sample(("ISP-1 §1", "ISP-2 §4"), rng.randrange(3))))))
        moment += timedelta(hours=rng.choice((4, 5, 6)), minutes=rng.randrange(60))
    for at, entry in entries:
        AuditWriter(engine, clock=lambda at=at: at).record_many([entry])


def uk_period(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants a page's period of UK days `first` to `last` (inclusive) covers."""
    return uk_midnight(first), uk_midnight(last + timedelta(days=1))


PERIODS = [
    uk_period(date(2026, 1, 1), date(2026, 4, 13)),  # the whole trail
    uk_period(date(2026, 2, 1), date(2026, 3, 31)),  # two whole months (the second ends in BST)
    uk_period(date(2026, 1, 25), date(2026, 4, 2)),  # part month, whole months, part month, past the rollup
    uk_period(date(2026, 2, 10), date(2026, 3, 17)),  # inside two months: days only
    uk_period(date(2026, 3, 30), date(2026, 4, 13)),  # starts at a BST midnight (23:00 UTC)
]


def test_months_and_weeks_are_summed_once_when_all_their_days_are(engine: Engine) -> None:
    generate(engine)
    summarise_days(engine, today=TODAY)
    with engine.connect() as connection:
        months = [month for (month,) in connection.execute(text("SELECT month FROM audit_rollup_months "
                                                                "ORDER BY month"))]
        weeks = [week for (week,) in connection.execute(text("SELECT week FROM audit_rollup_weeks ORDER BY week"))]
        plan = split_period(connection, *uk_period(date(2026, 1, 25), date(2026, 4, 2)))
    assert months == ["2026-01", "2026-02", "2026-03"]  # April has not ended
    assert weeks[0] == "2026-01-19"
    assert weeks[-1] == "2026-03-30"  # the week of 6 April has not ended
    assert plan.months == ("2026-02", "2026-03")  # January starts before the period
    assert summarise_days(engine, today=TODAY) == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM audit_rollup_months")).scalar_one() == 3


def test_pages_give_the_raw_figures_with_months_summed(engine: Engine) -> None:
    generate(engine)
    raw = {period: figures(engine, *period) for period in PERIODS}
    assert raw[PERIODS[0]]["views_by_month"][0][0] == "2026-01", "the trail starts in January"
    assert raw[PERIODS[0]]["stops_by_reason"], "and has stoppages"
    summarise_days(engine, today=date(2026, 3, 4))  # January and February summed, March by day and raw
    for period in PERIODS:
        assert figures(engine, *period) == raw[period], period
    summarise_days(engine, today=TODAY)
    for period in PERIODS:
        assert figures(engine, *period) == raw[period], period


@pytest.fixture(scope="module")
def twin_trails(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    """The same trail twice: one never summarised, one summarised to TODAY (months and weeks summed)."""
    yield from summarised_twins(tmp_path_factory, generate, TODAY)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.integers(0, 90), days=st.integers(1, 90))
def test_any_period_of_uk_days_gives_the_raw_figures(twin_trails: tuple[Engine, Engine], first: int,
                                                     days: int) -> None:
    raw, summarised = twin_trails
    start = date(2026, 1, 15) + timedelta(days=first)
    period = uk_period(start, start + timedelta(days=days - 1))
    assert figures(summarised, *period) == figures(raw, *period)
