"""Dense lanes: nearby events of one type share a marker; a busy lane becomes counts per period, not a bar."""

from __future__ import annotations

from datetime import date, timedelta

from connectors.models import ChronologyEvent
from portal.record.plot_timeline import BUSY_MARKERS, LEGEND, build_timeline, style_for


def _event(day: date, kind: str = "attendance", end: date | None = None, ident: str = "",
           agency: str = "education") -> ChronologyEvent:
    return ChronologyEvent(agency=agency, source_system="SEEMiS", source_record_id=ident or day.isoformat(),
                           event_date=day, title="Low attendance", event_type=kind, end_date=end)


def test_a_busy_lane_is_drawn_as_counts_per_period_that_add_up_to_every_event() -> None:
    start = date(2020, 1, 1)
    # Every day for 2,000 days, and a burst of 300 more in the first fortnight.
    events = [_event(start + timedelta(days=i)) for i in range(2000)]
    events += [_event(start + timedelta(days=i % 14), ident=f"burst-{i}") for i in range(300)]
    timeline = build_timeline(events, [("education", "Education")], width=960)
    (lane,) = timeline.lanes
    assert lane.busy and lane.markers == ()
    assert sum(cell.count for cell in lane.heat) == 2300 == lane.event_count
    assert len(lane.heat) < 40, "a few dozen periods, never one shape per event"
    # Shade says how many: the busiest period is drawn darker than the quietest.
    busiest = max(lane.heat, key=lambda cell: cell.count)
    quietest = min(lane.heat, key=lambda cell: cell.count)
    assert busiest.count > quietest.count and busiest.fill != quietest.fill
    assert busiest.label.startswith(f"{busiest.count} events, ")


def test_a_quiet_lane_keeps_separate_markers_and_merges_only_same_day_neighbours() -> None:
    start = date(2020, 1, 1)
    events = [_event(start + timedelta(days=i)) for i in range(BUSY_MARKERS)]
    (lane,) = build_timeline(events, [("education", "Education")], start=start, end=start + timedelta(days=3650)).lanes
    assert not lane.busy
    assert sum(marker.count for marker in lane.markers) == BUSY_MARKERS
    merged = next(m for m in lane.markers if m.count > 1)
    assert merged.label.startswith(f"{merged.count} events of this type (Low attendance)")


def test_different_types_and_periods_are_never_merged() -> None:
    day = date(2024, 5, 1)
    events = [_event(day, "attendance"), _event(day, "exclusion", ident="x"),
              _event(day, "support", end=day + timedelta(days=30), ident="p")]
    (lane,) = build_timeline(events, [("education", "Education")]).lanes
    assert len(lane.markers) == 3 and all(m.count == 1 for m in lane.markers)


def test_merging_can_be_turned_off() -> None:
    start = date(2020, 1, 1)
    events = [_event(start + timedelta(days=i)) for i in range(30)]
    (lane,) = build_timeline(events, [("education", "Education")], merge_within_px=0).lanes
    assert len(lane.markers) == 30


def test_the_key_is_the_same_whatever_the_events_and_every_type_is_distinct() -> None:
    one = build_timeline([_event(date(2024, 1, 1), "hearing", agency="scra")], [("scra", "SCRA")])
    other = build_timeline([_event(date(2020, 1, 1), "emergency", agency="health")], [("health", "Health")])
    assert one.legend == other.legend == LEGEND
    assert len({(item.colour, item.shape) for item in LEGEND}) == len(LEGEND)
    # The pairs the issue found sharing a marker are now told apart.
    assert (style_for("emergency").colour, style_for("emergency").shape) != (
        style_for("hearing").colour, style_for("hearing").shape)
    assert (style_for("cp_registration").colour, style_for("cp_registration").shape) != (
        style_for("order").colour, style_for("order").shape)
    assert style_for("something_new") == style_for("event")


def test_a_lane_that_did_not_answer_says_so() -> None:
    timeline = build_timeline([], [("police", "Police"), ("health", "Health")],
                              gaps={"police": "Police did not answer in time, so its events are missing"})
    police, health = timeline.lanes
    assert police.gap.startswith("Police did not answer") and health.gap == ""
    assert police.label_y < police.y - 7, "the lane's name sits above its markers, never over them"
