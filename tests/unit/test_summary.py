"""The Key Information Summary: provenance on every value, honest gaps, visible conflicts."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.categories import all_categories
from connectors.models import KeyFact, SourceRecords, SourceResult, SourceState, SourceStatus
from portal.summary import FIELDS, FieldSpec, build_summary, summarise_sources

NAMES = {"health": "Health", "education": "Education", "social_work": "Social work", "police": "Police", "scra": "SCRA"}
AS_OF = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def fact(field: str, value: str, agency: str, **extra: object) -> KeyFact:
    return KeyFact(field=field, value=value, agency=agency, source_system=f"{agency} system", as_of=AS_OF, **extra)  # type: ignore[arg-type]


def answered(agency: str, **extra: object) -> SourceStatus:
    return SourceStatus(agency, SourceState.ANSWERED, **extra)  # type: ignore[arg-type]


def test_field_list_covers_the_domain_brief_and_keys_are_unique() -> None:
    keys = [spec.key for spec in FIELDS]
    assert len(keys) == len(set(keys))
    required = {
        "name", "birth_date", "chi", "address", "gp_practice", "school", "named_person", "lead_professional",
        "childs_plan", "childs_plan_review", "cp_register", "cp_concerns", "looked_after", "looked_after_basis",
        "scra_status", "cso_conditions", "police_cp_flag", "police_concerns_recent", "allergies", "health_alerts",
        "immunisations", "asn", "key_contacts", "do_not_inform",
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
