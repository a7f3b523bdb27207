"""The merged chronology: order, honest dates, filters, incident grouping and paging."""

from __future__ import annotations

from datetime import date

from connectors.models import ChronologyEvent, DateCertainty
from portal.record.merge import (
    ChronologyFilter,
    IncidentGroup,
    build_chronology,
    filter_events,
    format_event_date,
    group_incidents,
    merge,
    paginate,
)

SYSTEMS = {"police": "Concern Hub", "social_work": "Case system", "education": "SEEMiS", "health": "FHIR"}


def ev(agency: str, record_id: str, when: date, title: str = "Event", **extra: object) -> ChronologyEvent:
    return ChronologyEvent(
        agency=agency,
        source_system=SYSTEMS[agency],
        source_record_id=record_id,
        event_date=when,
        title=title,
        **extra,  # type: ignore[arg-type]
    )


def ids(entries: object) -> list[str]:
    return [e.source_record_id for e in entries]  # type: ignore[attr-defined]


def test_merge_orders_by_event_date_newest_first_by_default_and_oldest_first_on_request() -> None:
    police = [ev("police", "p-2020", date(2020, 1, 5)), ev("police", "p-2023", date(2023, 6, 1))]
    health = [ev("health", "h-2021", date(2021, 2, 2))]
    assert ids(merge([police, health])) == ["p-2023", "h-2021", "p-2020"]
    assert ids(merge([police, health], newest_first=False)) == ["p-2020", "h-2021", "p-2023"]


def test_same_day_events_keep_source_sequence_in_either_direction() -> None:
    day = date(2024, 3, 3)
    social_work = [ev("social_work", "sw-2", day, sequence=2), ev("social_work", "sw-1", day, sequence=1)]
    police = [ev("police", "p-1", day, sequence=1)]
    later = [ev("health", "h-late", date(2024, 3, 4))]
    assert ids(merge([police, social_work, later])) == ["h-late", "p-1", "sw-1", "sw-2"]
    assert ids(merge([police, social_work, later], newest_first=False)) == ["p-1", "sw-1", "sw-2", "h-late"]


def test_uncertain_dates_and_periods_are_shown_as_such() -> None:
    def shown(when: date, certainty: DateCertainty, end: date | None = None) -> str:
        return format_event_date(ev("health", "x", when, date_certainty=certainty, end_date=end))

    assert shown(date(2016, 5, 22), DateCertainty.EXACT) == "22 May 2016"
    assert shown(date(2016, 5, 22), DateCertainty.APPROXIMATE) == "?22 May 2016"
    assert shown(date(2016, 5, 1), DateCertainty.MONTH) == "May 2016"
    assert shown(date(2016, 1, 1), DateCertainty.YEAR) == "2016"
    assert shown(date(2024, 3, 3), DateCertainty.EXACT, date(2024, 4, 10)) == "3 March 2024 – 10 April 2024"


def test_filters_by_agency_indicator_significance_and_text() -> None:
    events = [
        ev("police", "p1", date(2024, 1, 1), "Domestic incident", shanarri=("safe",)),
        ev("health", "h1", date(2024, 1, 2), "Missed appointment", summary="Dental", shanarri=("healthy",)),
        ev("health", "h2", date(2024, 1, 3), "Routine contact", significant=False),
    ]
    assert ids(filter_events(events, ChronologyFilter())) == ["p1", "h1"]
    assert ids(filter_events(events, ChronologyFilter(significant_only=False))) == ["p1", "h1", "h2"]
    assert ids(filter_events(events, ChronologyFilter(agencies=frozenset({"health"})))) == ["h1"]
    assert ids(filter_events(events, ChronologyFilter(shanarri=frozenset({"safe"})))) == ["p1"]
    assert ids(filter_events(events, ChronologyFilter(text="DENTAL missed"))) == ["h1"]
    assert ids(filter_events(events, ChronologyFilter(text="dental incident"))) == []


def test_date_range_includes_periods_that_overlap_it() -> None:
    events = [
        ev("social_work", "spell", date(2023, 11, 1), "Looked after away from home", end_date=date(2024, 2, 1)),
        ev("police", "before", date(2023, 12, 1)),
        ev("police", "inside", date(2024, 1, 15)),
        ev("police", "after", date(2024, 3, 1)),
    ]
    january = ChronologyFilter(date_from=date(2024, 1, 1), date_to=date(2024, 1, 31))
    assert ids(filter_events(events, january)) == ["spell", "inside"]


def test_reports_of_one_incident_from_several_agencies_are_grouped_not_deduplicated() -> None:
    police = ev("police", "p1", date(2024, 3, 3), "Domestic incident at home address", event_type="concern")
    social_work = ev(
        "social_work", "sw1", date(2024, 3, 4), "Police concern: domestic abuse reported", event_type="referral"
    )
    unrelated = ev("education", "ed1", date(2024, 3, 4), "Parents' evening attended")
    entries = group_incidents(merge([[police], [social_work], [unrelated]]))
    groups = [e for e in entries if isinstance(e, IncidentGroup)]
    assert len(groups) == 1
    assert ids(groups[0].events) == ["sw1", "p1"]
    assert groups[0].agencies == ("social_work", "police")
    assert "ed1" in ids(e for e in entries if not isinstance(e, IncidentGroup))
    assert any(
        "different dates" in note and "3 March 2024" in note and "4 March 2024" in note
        for note in groups[0].disagreements
    )
    assert any("different types" in note for note in groups[0].disagreements)


def test_same_day_same_type_agreeing_reports_group_without_disagreement() -> None:
    a = ev("police", "p1", date(2024, 3, 3), "Child reported missing overnight", event_type="missing")
    b = ev("social_work", "sw1", date(2024, 3, 3), "Went missing from placement", event_type="missing")
    [group] = group_incidents([a, b])
    assert isinstance(group, IncidentGroup)
    assert group.disagreements == ()


def test_similar_reports_are_not_grouped_outside_the_window_or_within_one_agency() -> None:
    far = [
        ev("police", "p1", date(2024, 3, 1), "Domestic incident"),
        ev("social_work", "sw1", date(2024, 3, 9), "Domestic incident"),
    ]
    assert not any(isinstance(e, IncidentGroup) for e in group_incidents(far))
    same_agency = [
        ev("police", "p1", date(2024, 3, 1), "Domestic incident"),
        ev("police", "p2", date(2024, 3, 2), "Domestic incident"),
    ]
    assert not any(isinstance(e, IncidentGroup) for e in group_incidents(same_agency))


def test_paging_reports_totals_and_clamps_out_of_range_pages() -> None:
    entries = [ev("health", f"h{i}", date(2024, 1, 1)) for i in range(23)]
    first = paginate(entries, 1, 10)
    assert len(first.items) == 10 and first.total_items == 23 and first.total_pages == 3
    assert first.has_next and not first.has_previous
    last = paginate(entries, 99, 10)
    assert last.number == 3 and ids(last.items) == ["h20", "h21", "h22"] and not last.has_next


def test_build_chronology_counts_what_the_filters_left_out() -> None:
    health = [ev("health", f"h{i}", date(2020, 1, 1 + i), significant=i % 2 == 0) for i in range(10)]
    view = build_chronology([health], page_size=3)
    assert view.total_events == 10
    assert view.matching_events == 5
    assert ids(view.page.items) == ["h8", "h6", "h4"]
    assert view.page.total_pages == 2


def test_a_5000_event_chronology_merges_groups_and_pages() -> None:
    # 5,000 events like the demo child; grouping is windowed, so it must not go quadratic.
    sources = [
        [ev(agency, f"{agency}{i}", date(2000, 1, 1).fromordinal(730000 + i // 3), f"Event {i}") for i in range(1250)]
        for agency in ("police", "health", "education", "social_work")
    ]
    view = build_chronology(sources, page=2, page_size=50)
    assert view.total_events == 5000
    assert len(view.page.items) == 50


def test_timeline_has_one_lane_per_agency_and_places_events_by_date() -> None:
    from portal.record.plot_timeline import build_timeline

    events = [
        ev("police", "p1", date(2020, 1, 1), "Concern", event_type="concern"),
        ev("police", "p2", date(2022, 1, 1), "Concern", event_type="concern"),
        ev("health", "h1", date(2021, 1, 1), "Admission", event_type="admission", end_date=date(2021, 7, 1)),
        ev("education", "e1", date(2021, 6, 1), "Exclusion"),
    ]
    lanes = [("health", "Health"), ("police", "Police"), ("scra", "Children's Reporter")]
    timeline = build_timeline(events, lanes, width=1140, label_width=140)
    assert [lane.agency for lane in timeline.lanes] == ["health", "police", "scra", "education"]
    police = timeline.lanes[1]
    assert [m.x for m in police.markers] == [140.0, 1130.0]  # first and last day sit at the axis ends
    [admission] = timeline.lanes[0].markers
    assert 140.0 < admission.x < admission.x_end < 1130.0  # a period spans from start to end
    assert timeline.lanes[2].markers == ()
    assert police.markers[0].y != admission.y
    # The key is fixed: every known type, whatever this child's events, each with its own colour and shape.
    assert {"concern", "admission", "event", "hearing", "cp_registration"} <= {i.event_type for i in timeline.legend}
    assert len({(item.colour, item.shape) for item in timeline.legend}) == len(timeline.legend)
    assert [tick.label for tick in timeline.ticks] == ["2020", "2021", "2022"]
    assert police.markers[0].label == "Police concern report, 1 January 2020: Concern (Concern Hub)"


def test_timeline_zooms_to_a_date_range_with_month_ticks() -> None:
    from portal.record.plot_timeline import build_timeline

    events = [ev("police", "old", date(2019, 5, 5)), ev("police", "in", date(2024, 2, 10))]
    timeline = build_timeline(events, [("police", "Police")], start=date(2024, 1, 1), end=date(2024, 3, 31))
    assert [m.source_record_id for m in timeline.lanes[0].markers] == ["in"]
    assert [tick.label for tick in timeline.ticks] == ["Jan 2024", "Feb 2024", "Mar 2024"]
