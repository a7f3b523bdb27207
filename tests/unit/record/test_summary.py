"""The Key Information Summary: provenance on every value, honest gaps, visible conflicts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from connectors.categories import all_categories
from connectors.models import (
    ChronologyEvent,
    KeyFact,
    PersonRecord,
    SourceRecords,
    SourceResult,
    SourceState,
    SourceStatus,
)
from portal.record.summarise import FIELDS, FieldSpec, build_summary, summarise_sources

NAMES = {"health": "Health", "education": "Education", "social_work": "Social work", "police": "Police", "scra": "SCRA"}
AS_OF = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def fact(field: str, value: str, agency: str, **extra: object) -> KeyFact:
    return KeyFact(field=field, value=value, agency=agency, source_system=f"{agency} system", as_of=AS_OF, **extra)  # type: ignore[arg-type]


def answered(agency: str, **extra: object) -> SourceStatus:
    return SourceStatus(agency, SourceState.ANSWERED, **extra)  # type: ignore[arg-type]


def test_field_list_covers_the_domain_brief_and_keys_are_unique() -> None:
    keys = [spec.key for spec in FIELDS]
    assert len(keys) == len(set(keys))
    # DOMAIN.md §3 / issue 5, under the keys the connectors emit.
    required = {
        "name", "birth_date", "chi", "address", "gp_practice", "school", "named_person", "lead_professional",
        "childs_plan", "cp_register", "looked_after", "scra_status", "scra_order", "police_cp_flag",
        "police_concerns_recent", "allergies", "health_alerts", "immunisations", "asn", "family_contacts",
        "do_not_inform",
    }  # fmt: skip
    assert required <= set(keys), required - set(keys)


def test_every_field_names_categories_that_exist_for_its_agencies() -> None:
    for spec in FIELDS:
        for agency, category in spec.sources:
            assert category in all_categories(agency), (spec.key, agency, category)


def test_every_value_carries_its_agency_system_and_as_of_time() -> None:
    summary = build_summary([fact("gp_practice", "Leith Surgery", "health")], [answered("health")], agency_names=NAMES)
    [value] = summary.field("gp_practice").values
    assert (value.value, value.agency_name, value.source_system, value.as_of) == (
        "Leith Surgery",
        "Health",
        "health system",
        AS_OF,
    )


def test_a_field_whose_agency_did_not_answer_says_so_instead_of_being_blank() -> None:
    statuses = [
        SourceStatus("education", SourceState.TIMED_OUT),
        SourceStatus("police", SourceState.WITHHELD, withheld_categories=("police_concerns", "police_cp_flag")),
        SourceStatus("scra", SourceState.NO_RECORD),
        SourceStatus("health", SourceState.FAILED, "Health could not be reached"),
        answered("social_work", withheld_categories=("family_contacts",)),
    ]
    summary = build_summary([], statuses, agency_names=NAMES)
    assert summary.field("school").empty_text == "Education did not respond"
    assert summary.field("police_cp_flag").empty_text == "Police: withheld by agreement"
    assert summary.field("scra_status").empty_text == "SCRA: no record held"
    assert summary.field("allergies").empty_text == "Health could not be read: Health could not be reached"
    assert summary.field("do_not_inform").empty_text == "Social work: withheld by agreement"
    assert summary.field("lead_professional").empty_text == "Social work: none recorded"
    assert all(field.empty_text for field in summary.fields)


def test_a_missing_agency_is_noted_even_when_another_supplied_the_field() -> None:
    statuses = [answered("health"), SourceStatus("education", SourceState.TIMED_OUT), answered("social_work")]
    summary = build_summary([fact("name", "Kate Mackenzie", "health")], statuses, agency_names=NAMES)
    name = summary.field("name")
    assert [v.value for v in name.values] == ["Kate Mackenzie"]
    assert name.gaps == ("Education did not respond",)  # social work answered: its silence is not news


def test_conflicting_values_from_two_agencies_are_both_shown_and_marked() -> None:
    facts = [fact("looked_after", "Looked after at home", "social_work"), fact("looked_after", "No", "education")]
    summary = build_summary(facts, [answered("social_work"), answered("education")], agency_names=NAMES)
    field = summary.field("looked_after")
    assert field.conflicting
    assert [(v.agency_name, v.value) for v in field.values] == [
        ("Social work", "Looked after at home"),
        ("Education", "No"),
    ]


def test_agreeing_values_and_list_fields_are_not_conflicts() -> None:
    facts = [
        fact("address", "1 Leith Walk,  Edinburgh", "health"),
        fact("address", "1 leith walk, Edinburgh", "social_work"),
        fact("allergies", "Peanut", "health"),
        fact("allergies", "Penicillin", "health"),
    ]
    summary = build_summary(facts, [answered("health"), answered("social_work")])
    assert not summary.field("address").conflicting
    assert not summary.field("allergies").conflicting
    assert len(summary.field("allergies").values) == 2


def test_unknown_fields_are_kept_and_a_new_field_is_one_line_of_data() -> None:
    extra = fact("dnacpr", "CYPADM in place", "health")
    summary = build_summary([extra], [answered("health")])
    assert summary.unlisted == (extra,)
    with_field = build_summary(
        [extra], [answered("health")], fields=(*FIELDS, FieldSpec("dnacpr", "CYPADM", (("health", "health_plans"),)))
    )
    assert with_field.field("dnacpr").values[0].value == "CYPADM in place"
    assert with_field.unlisted == ()


def test_summarise_sources_uses_federation_results_and_their_statuses() -> None:
    results = [
        SourceResult(
            "health", answered("health"), records=SourceRecords(facts=(fact("allergies", "Peanut", "health"),))
        ),
        SourceResult("education", SourceStatus("education", SourceState.TIMED_OUT)),
    ]
    summary = summarise_sources(results, agency_names=NAMES)
    assert [v.value for v in summary.field("allergies").values] == ["Peanut"]
    assert summary.field("asn").empty_text == "Education did not respond"


def concern(record_id: str, when: date, agency: str = "police", category: str = "police_concerns") -> ChronologyEvent:
    return ChronologyEvent(agency, f"{agency} system", record_id, when, "Concern report", category=category)


def test_name_dob_and_chi_come_from_linked_records_and_disagreeing_names_are_marked() -> None:
    health = PersonRecord("health", "h1", (("chi", "1503741206"),), "Katie", "Mackenzie", date(2015, 3, 12))
    education = PersonRecord("education", "e1", (), "Kate", "Mackenzie", date(2015, 3, 12))
    results = [
        SourceResult("health", answered("health"), people=(health,)),
        SourceResult("education", answered("education"), people=(education,)),
    ]
    summary = summarise_sources(results, agency_names=NAMES, now=AS_OF)
    assert [(v.agency_name, v.value) for v in summary.field("name").values] == [
        ("Health", "Katie Mackenzie"),
        ("Education", "Kate Mackenzie"),
    ]
    assert summary.field("name").conflicting
    assert not summary.field("birth_date").conflicting
    assert summary.field("birth_date").values[0].value == "12 March 2015"
    assert [v.value for v in summary.field("chi").values] == ["1503741206"]


def test_recent_police_concerns_are_counted_from_events_within_twelve_months() -> None:
    events = (
        concern("c1", date(2024, 4, 20)),
        concern("c2", date(2023, 9, 1)),
        concern("old", date(2023, 4, 30)),
        concern("flag", date(2024, 4, 1), category="police_cp_flag"),
    )
    results = [SourceResult("police", answered("police"), records=SourceRecords(events=events))]
    summary = summarise_sources(results, agency_names=NAMES, now=AS_OF)
    [value] = summary.field("police_concerns_recent").values
    assert value.value == "2 reports, latest 20 April 2024"
    assert value.as_of == AS_OF

    quiet = [SourceResult("police", answered("police"))]
    assert summarise_sources(quiet, now=AS_OF).field("police_concerns_recent").values[0].value == "None"
    withheld = [SourceResult("police", answered("police", withheld_categories=("police_concerns",)))]
    field = summarise_sources(withheld, agency_names=NAMES, now=AS_OF).field("police_concerns_recent")
    assert field.values == () and field.empty_text == "Police: withheld by agreement"


def test_reporter_status_is_the_latest_referral_or_hearing() -> None:
    events = (
        concern("r1", date(2023, 1, 5), "scra", "scra_referrals"),
        concern("h1", date(2023, 3, 9), "scra", "scra_hearings"),
        concern("o1", date(2023, 6, 1), "scra", "scra_orders"),
    )
    results = [SourceResult("scra", answered("scra"), records=SourceRecords(events=events))]
    [value] = summarise_sources(results, now=AS_OF).field("scra_status").values
    assert value.value == "Concern report (9 March 2023)"
    assert value.source_record_id == "h1"


def test_every_agency_of_a_domain_supplies_its_fields_and_is_named_in_the_gaps() -> None:
    # Two councils' education services: field sources name the domain, so both supply and both are accounted for.
    domains = {"education": "education", "education_north": "education", "health": "health"}
    names = {**NAMES, "education_north": "Strathbrae education"}
    facts = [fact("school", "Kilbrae Primary, P5", "education"), fact("school", "Strathbrae Academy, P5",
                                                                      "education_north")]
    statuses = [answered("health"), answered("education"), answered("education_north")]
    summary = build_summary(facts, statuses, agency_names=names, domains=domains)
    assert [v.agency_name for v in summary.field("school").values] == ["Education", "Strathbrae education"]
    late = [answered("health"), answered("education"), SourceStatus("education_north", SourceState.TIMED_OUT)]
    school = build_summary(facts[:1], late, agency_names=names, domains=domains).field("school")
    assert school.gaps == ("Strathbrae education did not respond",)
