"""Dense lanes: nearby events of one type share a marker that says how many it stands for."""

from __future__ import annotations

from datetime import date, timedelta

from connectors.models import ChronologyEvent
from portal.timeline import build_timeline


def _event(day: date, kind: str = "attendance", end: date | None = None, ident: str = "") -> ChronologyEvent:
    return ChronologyEvent(agency="education", source_system="SEEMiS", source_record_id=ident or day.isoformat(),
                           event_date=day, title="Low attendance", event_type=kind, end_date=end)


def test_hundreds_of_close_events_become_a_few_markers_with_counts() -> None:
    start = date(2020, 1, 1)
    events = [_event(start + timedelta(days=i)) for i in range(2000)]
    timeline = build_timeline(events, [("education", "Education")], width=960)
    (lane,) = timeline.lanes
    assert len(lane.markers) < 400
    assert sum(marker.count for marker in lane.markers) == 2000
    merged = next(m for m in lane.markers if m.count > 1)
    assert merged.label.startswith(f"{merged.count} events of this type")


def test_different_types_and_periods_are_never_merged() -> None:
    day = date(2024, 5, 1)
    events = [_event(day, "attendance"), _event(day, "exclusion", ident="x"),
              _event(day, "support", end=day + timedelta(days=30), ident="p")]
    (lane,) = build_timeline(events, [("education", "Education")]).lanes
    assert len(lane.markers) == 3 and all(m.count == 1 for m in lane.markers)


def test_merging_can_be_turned_off() -> None:
    start = date(2020, 1, 1)
    events = [_event(start + timedelta(days=i)) for i in range(100)]
    (lane,) = build_timeline(events, [("education", "Education")], merge_within_px=0).lanes
    assert len(lane.markers) == 100
