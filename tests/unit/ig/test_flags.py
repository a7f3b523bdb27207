"""Flags are pure functions over crafted entries: each one fires on what it should and not on its near miss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.audit.entry import RecordedEntry
from portal.ig.flags import (
    FlagThresholds,
    all_flags,
    is_out_of_hours,
    many_children_viewers,
    out_of_hours_views,
    repeated_refusals,
    shared_surname_views,
    views_without_relationship,
)
from portal.ig.surnames import surname_hash

KEY = "flag-test-key"
TUESDAY_NOON_UTC = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # GMT in March before the clocks change
_sequence = iter(range(1, 1_000_000))


def entry(event_type: str = "view_child", *, user: str = "teacher", chi: str | None = "0101011237",
          at: datetime = TUESDAY_NOON_UTC, **fields: Any) -> RecordedEntry:
    values: dict[str, Any] = {name: None for name in RecordedEntry.__dataclass_fields__}
    values.update(sequence=next(_sequence), recorded_at=at, event_type=event_type, outcome=0, user_id=user,
                  user_display_name="Sam Reid", subject_chi=chi, relationship_basis="named_person",
                  break_glass=False, prev_hash="p", entry_hash="h")
    values.update(fields)
    return RecordedEntry(**values)


def test_views_without_relationship_flag_none_and_break_glass_but_not_a_recorded_relationship() -> None:
    entries = [entry(relationship_basis=None), entry(relationship_basis="none"),
               entry(break_glass=True, relationship_basis="break_glass"), entry(relationship_basis="lead_professional"),
               entry("search", relationship_basis=None), entry(relationship_basis=None, outcome=4)]
    flags = views_without_relationship(entries)
    assert [flag.sequences[0] for flag in flags] == [entries[0].sequence, entries[1].sequence, entries[2].sequence]
    assert flags[2].reason == "viewed under break-glass"


def test_out_of_hours_uses_uk_local_time_including_summer_time() -> None:
    assert not is_out_of_hours(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))  # 08:00 GMT: start of the day
    assert is_out_of_hours(datetime(2026, 3, 10, 7, 59, tzinfo=UTC))
    assert is_out_of_hours(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))
    # In July 17:30 UTC is 18:30 BST: out of hours, although the UTC clock says otherwise.
    assert is_out_of_hours(datetime(2026, 7, 7, 17, 30, tzinfo=UTC))
    assert not is_out_of_hours(datetime(2026, 7, 7, 7, 30, tzinfo=UTC))  # 08:30 BST
    assert is_out_of_hours(datetime(2026, 3, 14, 12, 0, tzinfo=UTC))  # Saturday


def test_out_of_hours_views_ignore_other_events_and_honour_thresholds() -> None:
    late = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)
    entries = [entry(at=late), entry("sign_in", at=late), entry(at=TUESDAY_NOON_UTC)]
    assert [flag.sequences for flag in out_of_hours_views(entries)] == [(entries[0].sequence,)]
    longer_day = FlagThresholds(working_day_end=datetime(2026, 1, 1, 20, 0).time())
    assert out_of_hours_views(entries, longer_day) == []


def test_many_children_in_24_hours_fires_above_the_threshold_only() -> None:
    thresholds = FlagThresholds(many_children=3)
    steady = [entry(user="busy", chi=f"child-{n}", at=TUESDAY_NOON_UTC + timedelta(hours=n)) for n in range(4)]
    spread = [entry(user="spread", chi=f"child-{n}", at=TUESDAY_NOON_UTC + timedelta(hours=25 * n)) for n in range(6)]
    repeat = [entry(user="repeat", chi="same-child") for _ in range(10)]
    flags = many_children_viewers(steady + spread + repeat, thresholds)
    assert [(flag.user_id, flag.reason) for flag in flags] == [("busy", "4 different children within 24 hours")]


def test_many_children_compared_with_the_median_user() -> None:
    thresholds = FlagThresholds(many_children=100, median_multiple=3.0, median_minimum_children=5)
    normal = [entry(user=f"user-{u}", chi=f"c{u}-{n}", at=TUESDAY_NOON_UTC + timedelta(days=n))
              for u in range(4) for n in range(2)]
    outlier = [entry(user="outlier", chi=f"o-{n}", at=TUESDAY_NOON_UTC + timedelta(days=n)) for n in range(7)]
    flags = many_children_viewers(normal + outlier, thresholds)
    assert [flag.user_id for flag in flags] == ["outlier"]
    assert "median user viewed 2" in flags[0].reason
    # Six is exactly 3 x 2: not more than three times the median, so no flag.
    assert many_children_viewers(normal + outlier[:6], thresholds) == []


def test_repeated_refusals_count_per_user_per_uk_day() -> None:
    day_one = [entry("refused", user="guess", at=TUESDAY_NOON_UTC + timedelta(minutes=n)) for n in range(3)]
    next_day = [entry("refused", user="other", at=TUESDAY_NOON_UTC + timedelta(days=n)) for n in range(3)]
    flags = repeated_refusals(day_one + next_day)
    assert [(flag.user_id, len(flag.sequences)) for flag in flags] == [("guess", 3)]
    assert repeated_refusals(day_one, FlagThresholds(refusals_per_day=4)) == []


def test_shared_surname_compares_keyed_hashes_of_the_viewer_and_child_surnames() -> None:
    same = entry(user_display_name="Sam Reid", details={"child_surname_hash": surname_hash("  REID ", KEY)})
    different = entry(user_display_name="Sam Reid", details={"child_surname_hash": surname_hash("Baird", KEY)})
    other_key = entry(user_display_name="Sam Reid", details={"child_surname_hash": surname_hash("Reid", "another")})
    no_hash = entry(user_display_name="Sam Reid", details={})
    flags = shared_surname_views([same, different, other_key, no_hash], KEY)
    assert [flag.sequences[0] for flag in flags] == [same.sequence]


def test_all_flags_reports_every_kind() -> None:
    flags = all_flags([entry(relationship_basis=None)], KEY)
    assert list(flags) == ["no_relationship", "out_of_hours", "many_children", "repeated_refusals", "shared_surname"]
    assert len(flags["no_relationship"]) == 1 and flags["out_of_hours"] == []
