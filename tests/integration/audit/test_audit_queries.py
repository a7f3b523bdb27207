"""Query helpers IG staff rely on: search by child, user, organisation, type, dates, break-glass;
and "who has viewed this child" for subject access requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.audit import (
    AuditInput,
    AuditWriter,
    EventType,
    Outcome,
    count_entries,
    get_entry,
    search_entries,
    viewers_of_child,
)

CHILD_A, CHILD_B = "0101201234", "1502191235"
DAY_1 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def trail(store):  # type: ignore[no-untyped-def]
    now = [DAY_1]
    writer = AuditWriter(store.engine, clock=lambda: now[0])

    def view(user: str, org: str, child: str, event=EventType.VIEW_CHILD, **extra) -> None:  # type: ignore[no-untyped-def]
        writer.record(
            AuditInput(
                event_type=event, user_id=user, user_display_name=user.title(), user_role="social_worker",
                organisation=org, subject_chi=child, **extra,
            )
        )  # fmt: skip

    view("alice", "Council", CHILD_A, EventType.SEARCH)
    view("alice", "Council", CHILD_A)
    view("bob", "NHS", CHILD_B)
    now[0] = DAY_1 + timedelta(days=1)
    view("alice", "Council", CHILD_A, EventType.CHRONOLOGY_PAGE)
    view("carol", "Police", CHILD_A, EventType.REFUSED, outcome=Outcome.MINOR_FAILURE)
    view("dave", "NHS", CHILD_A, EventType.BREAK_GLASS_START, break_glass=True, break_glass_reason="A&E at night")
    view("dave", "NHS", CHILD_A, break_glass=True)
    now[0] = DAY_1 + timedelta(days=2)
    view("dave", "NHS", CHILD_A, EventType.PRINT, break_glass=True)
    view("bob", "NHS", CHILD_B, EventType.PRINT)
    return store


def _sequences(entries) -> list[int]:  # type: ignore[no-untyped-def]
    return [entry.sequence for entry in entries]


def test_search_filters_combine_and_return_newest_first(trail) -> None:  # type: ignore[no-untyped-def]
    engine = trail.engine
    assert _sequences(search_entries(engine, child=CHILD_A)) == [8, 7, 6, 5, 4, 2, 1]
    assert _sequences(search_entries(engine, user="bob")) == [9, 3]
    assert _sequences(search_entries(engine, organisation="NHS", child=CHILD_A)) == [8, 7, 6]
    assert _sequences(search_entries(engine, event_type=EventType.PRINT)) == [9, 8]
    assert _sequences(search_entries(engine, event_type="refused")) == [5]


def test_date_range_is_inclusive_then_exclusive(trail) -> None:  # type: ignore[no-untyped-def]
    day_2 = DAY_1 + timedelta(days=1)
    entries = search_entries(trail.engine, since=day_2, until=day_2 + timedelta(days=1))
    assert _sequences(entries) == [7, 6, 5, 4]


def test_break_glass_filter_finds_the_override_and_what_was_done_under_it(trail) -> None:  # type: ignore[no-untyped-def]
    assert _sequences(search_entries(trail.engine, break_glass=True)) == [8, 7, 6]
    assert _sequences(search_entries(trail.engine, break_glass=False)) == [9, 5, 4, 3, 2, 1]


def test_paging_and_counting_agree(trail) -> None:  # type: ignore[no-untyped-def]
    first = search_entries(trail.engine, child=CHILD_A, limit=3)
    second = search_entries(trail.engine, child=CHILD_A, limit=3, offset=3)
    assert _sequences(first) + _sequences(second) == [8, 7, 6, 5, 4, 2]
    assert count_entries(trail.engine, child=CHILD_A) == 7
    assert count_entries(trail.engine, break_glass=True, organisation="NHS") == 3


def test_get_entry(trail) -> None:  # type: ignore[no-untyped-def]
    entry = get_entry(trail.engine, 6)
    assert (entry.event_type, entry.user_id, entry.break_glass_reason) == ("break_glass_start", "dave", "A&E at night")
    assert get_entry(trail.engine, 999) is None


def test_viewers_of_a_child_for_a_subject_access_request(trail) -> None:  # type: ignore[no-untyped-def]
    viewers = viewers_of_child(trail.engine, CHILD_A)

    assert [viewer.user_id for viewer in viewers] == ["dave", "alice"]  # most recent first; carol was refused
    dave, alice = viewers
    assert (dave.times, dave.under_break_glass, dave.organisation) == (2, 2, "NHS")
    assert dave.by_event == {"view_child": 1, "print": 1}
    assert (alice.times, alice.under_break_glass) == (3, 0)
    assert alice.by_event == {"search": 1, "view_child": 1, "chronology_page": 1}
    assert alice.first_seen == DAY_1 and alice.last_seen == DAY_1 + timedelta(days=1)
    assert [viewer.user_id for viewer in viewers_of_child(trail.engine, CHILD_B)] == ["bob"]
    assert viewers_of_child(trail.engine, "3112161238") == []
