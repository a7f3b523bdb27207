"""Applying a decision to items: R/V filtering, restricted notices, and "Why can I see this?"."""

from __future__ import annotations

from datetime import date

from connectors.models import ChronologyEvent, KeyFact
from portal.access.filtering import explain, filter_items, source_notices
from portal.access.policy import decide
from tests.support.policy_fixtures import CHI, NOW, grant, relationship, requester, small_agreements

AGREEMENTS = small_agreements()


def event(agency: str, category: str, label: str = "N", record_id: str = "e1") -> ChronologyEvent:
    return ChronologyEvent(
        agency=agency,
        source_system="Test system",
        source_record_id=record_id,
        event_date=date(2026, 10, 1),
        title="An event",
        category=category,
        security_label=label,
    )


ITEMS = (
    event("health", "health_alerts", "N", "alert-n"),
    event("health", "health_conditions", "R", "condition-r"),
    event("health", "health_conditions", "V", "condition-v"),
    event("police", "police_concerns", "N", "concern-n"),
    event("police", "police_concerns", "V", "concern-v"),
    event("education", "attendance", "N", "attendance-n"),  # category not allowed at all
)


def kept_ids(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {item.source_record_id for item in result.items}


def test_lead_professional_in_another_team_sees_r_but_not_v() -> None:
    who = requester("lead_professional", team="Ward 4")
    decision = decide(who, CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)

    result = filter_items(ITEMS, decision, who)

    assert kept_ids(result) == {"alert-n", "condition-r", "concern-n"}
    assert result.removed == 3
    # Health allows revealing that restricted items exist; police does not; attendance was never allowed.
    assert result.notices == ("Restricted information exists – contact HV Team",)


def test_practitioner_not_named_for_r_loses_r_items() -> None:
    who = requester("practitioner", team="Ward 4")
    decision = decide(who, CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)

    assert kept_ids(filter_items(ITEMS, decision, who)) == {"alert-n", "concern-n"}


def test_owning_team_sees_its_own_v_items_but_not_another_agencys() -> None:
    owner = requester("practitioner", team="HV Team")
    decision = decide(owner, CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)

    kept = kept_ids(filter_items(ITEMS, decision, owner))

    assert "condition-v" in kept
    assert "concern-v" not in kept  # V from police belongs to the police owning team, not this one


def test_v_is_rechecked_against_the_requester_passed_to_filter() -> None:
    owner = requester("practitioner", team="HV Team")
    decision = decide(owner, CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)
    impostor = requester("practitioner", team="Ward 4")  # a decision reused for someone else

    assert "condition-v" not in kept_ids(filter_items(ITEMS, decision, impostor))


def test_break_glass_shows_only_normal_items_in_break_glass_categories() -> None:
    who = requester("lead_professional", team="HV Team")
    decision = decide(who, CHI, "emergency", None, grant(), AGREEMENTS, NOW)
    items = (*ITEMS, event("health", "health_alerts", "R", "alert-r"), event("health", "health_alerts", "V", "alert-v"))

    result = filter_items(items, decision, who)

    assert kept_ids(result) == {"alert-n"}


def test_refused_decision_shows_nothing() -> None:
    who = requester()
    decision = decide(who, CHI, "emergency", None, None, AGREEMENTS, NOW)
    result = filter_items(ITEMS, decision, who)
    assert result.items == () and result.notices == () and result.removed == len(ITEMS)


def test_unknown_labels_and_untagged_items_are_dropped_low_labels_count_as_normal() -> None:
    who = requester(team="Ward 4")
    decision = decide(who, CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)
    items = (
        event("health", "health_alerts", "L", "low"),
        event("health", "health_alerts", "Q", "unknown-label"),
        event("health", "", "N", "untagged"),
    )
    assert kept_ids(filter_items(items, decision, who)) == {"low"}


def test_key_facts_are_filtered_like_events() -> None:
    who = requester(team="Ward 4")
    decision = decide(who, CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)
    facts = (
        KeyFact(field="allergies", value="x", agency="health", source_system="S", category="health_alerts"),
        KeyFact(field="diagnosis", value="y", agency="health", source_system="S", category="health_conditions",
                security_label="R"),
    )
    result = filter_items(facts, decision, who)
    assert [f.field for f in result.items] == ["allergies"]


def test_explain_names_relationship_purpose_and_clause() -> None:
    who = requester("lead_professional", team="Ward 4")
    decision = decide(who, CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)

    text = explain(event("health", "health_conditions", "R"), decision)

    assert "Health visitor for this child, recorded by an administrator" in text
    assert "Purpose: Child protection enquiry or IRD." in text
    assert "TEST-HEALTH/1 §1" in text
    assert "restricted (R)" in text


def test_explain_under_break_glass_says_so_and_cites_the_break_glass_clause() -> None:
    who = requester()
    decision = decide(who, CHI, "emergency", None, grant(), AGREEMENTS, NOW)

    text = explain(event("health", "health_alerts"), decision)

    assert "Break-glass access (Immediate risk of significant harm to the child) until 10:50 UTC" in text
    assert "TEST-HEALTH/1 §9" in text


def test_explain_refuses_to_justify_an_item_outside_the_decision() -> None:
    decision = decide(requester(), CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)
    assert "not covered" in explain(event("education", "attendance"), decision)


def test_notices_follow_the_clause_for_that_category_only() -> None:
    who = requester("practitioner", team="Ward 4")
    decision = decide(who, CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)
    # Police R is allowed for this practitioner, but police V is hidden and the police clause does not reveal.
    police_v = filter_items((event("police", "police_concerns", "V"),), decision, who)
    health_r = filter_items((event("health", "health_conditions", "R"),), decision, who)

    assert police_v.removed == 1 and police_v.notices == ()
    assert health_r.notices == ("Restricted information exists – contact HV Team",)


def test_source_notices_pass_only_where_an_agreement_permits_revealing() -> None:
    decision = decide(requester(team="Ward 4"), CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)
    refused = decide(requester(), CHI, "child_protection", None, None, AGREEMENTS, NOW)
    sealed = ("Restricted information exists – contact the records team",)

    assert source_notices(decision, "health", sealed) == sealed
    assert source_notices(decision, "police", sealed) == ()
    assert source_notices(refused, "health", sealed) == ()


def test_a_second_agency_of_a_domain_is_decided_and_explained_from_the_configured_agencies() -> None:
    from connectors.agencies import agencies_from_document
    from portal.access.agreements import parse_agreements

    tables = {key: {"display_name": name, "source_system": "Pupil records", "domain": "education"}
              for key, name in (("education", "Education"), ("education_north", "Strathbrae education"))}
    tables["health"] = {"display_name": "NHS Test", "source_system": "Clinical portal"}
    text = """
[[agreement]]
source = "education_north"
reference = "ISP-NORTH/1"
clause = "2.1"
review_date = 2030-01-01
requesting_agencies = ["health", "education_north"]
roles = ["practitioner"]
categories = ["pastoral_notes"]
purposes = ["child_protection"]
labels = ["N"]
"""
    agreements = parse_agreements(text, "north.toml", today=date(2026, 11, 22),
                                  agencies=agencies_from_document({"agencies": tables}))
    decision = decide(requester(), CHI, "child_protection", relationship(), None, agreements, NOW)
    assert decision.categories_for("education_north") == frozenset({"pastoral_notes"})
    assert decision.categories_for("education") == frozenset()
    assert ("attendance", "No agreement shares this with NHS Test staff in your role") in decision.withheld[
        "education_north"]
    note = event("education_north", "pastoral_notes", "N", "north-note")
    words = explain(note, decision)
    assert "Significant pastoral notes from Strathbrae education." in words
    assert "Shared under agreement ISP-NORTH/1 §2.1." in words
    # Staff of the second council are requesters like any other configured agency's.
    north_staff = decide(requester(agency="education_north", team="Strathbrae Academy"), CHI, "child_protection",
                         relationship(basis="named_person"), None, agreements, NOW)
    assert north_staff.allowed and north_staff.categories_for("education_north") == frozenset({"pastoral_notes"})
    unknown = decide(requester(agency="fire"), CHI, "child_protection", relationship(), None, agreements, NOW)
    assert not unknown.allowed and "not one of the sharing agencies" in unknown.reason
