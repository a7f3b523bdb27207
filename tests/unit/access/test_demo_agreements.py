"""The demo agreements give each kind of practitioner what the issue describes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from portal.access.agreements import Agreements, load_agreements
from portal.access.decision import Requester
from portal.access.policy import decide
from tests.support.policy_fixtures import CHI, DEMO_AGREEMENTS, NOW, grant, relationship

SW_TEAM = "Children and Families East"
LEAD_PROFESSIONAL = Requester(1, "lead_professional", "social_work", SW_TEAM)
HEALTH_VISITOR = Requester(2, "practitioner", "health", "Health Visiting North")
TEACHER = Requester(3, "practitioner", "education", "Lochgelly High School")
CONCERN_HUB = Requester(4, "practitioner", "police", "Glenmorven Concern Hub")


def test_lead_professional_sees_nearly_everything_for_child_protection(demo_agreements: Agreements) -> None:
    decision = decide(LEAD_PROFESSIONAL, CHI, "child_protection", relationship(basis="lead_professional"), None,
                      demo_agreements, NOW)

    withheld = [category for items in decision.withheld.values() for category, _ in items]
    assert decision.allowed
    assert withheld == []
    assert "R" in decision.labels["police"] and "R" in decision.labels["health"]
    assert "V" not in decision.labels["police"]


def test_health_visitor_sees_restricted_health_and_summaries_but_never_police_v(demo_agreements: Agreements) -> None:
    decision = decide(HEALTH_VISITOR, CHI, "girfec_wellbeing", relationship(), None, demo_agreements, NOW)

    assert decision.allowed
    assert decision.labels["health"] >= {"N", "R"}
    assert decision.allowed_categories["police"] == {"police_concerns", "police_cp_flag"}
    assert decision.labels["police"] == {"N"}
    assert "sw_case_notes" not in decision.allowed_categories["social_work"]


def test_teacher_sees_education_and_health_alerts_and_police_only_for_child_protection(
    demo_agreements: Agreements,
) -> None:
    wellbeing = decide(TEACHER, CHI, "girfec_wellbeing", relationship(basis="named_person"), None,
                       demo_agreements, NOW)
    protection = decide(TEACHER, CHI, "child_protection", relationship(basis="named_person"), None,
                        demo_agreements, NOW)

    assert wellbeing.allowed_categories["education"] == {"enrolment", "attendance", "exclusions", "asn",
                                                         "pastoral_notes"}
    assert wellbeing.allowed_categories["health"] == {"health_alerts"}
    assert wellbeing.allowed_categories["police"] == frozenset()
    police_rule = dict(wellbeing.withheld["police"])["police_concerns"]
    assert police_rule == "ISP-GLENMORVEN-CP-2025/3 §8.3: shared with you only for Child protection enquiry or IRD"
    assert protection.allowed_categories["police"] == {"police_concerns", "police_cp_flag"}
    assert protection.labels["police"] == {"N"}


def test_concern_hub_sees_police_including_v_and_a_limited_picture_of_others(demo_agreements: Agreements) -> None:
    decision = decide(CONCERN_HUB, CHI, "child_protection", relationship(basis="cp_enquiry", ended_days_ago=-5),
                      None, demo_agreements, NOW)

    assert decision.labels["police"] == {"N", "R", "V"}
    assert decision.allowed_categories["health"] == {"health_alerts", "demographics"}
    assert decision.allowed_categories["education"] == {"enrolment"}
    assert "sw_case_notes" not in decision.allowed_categories["social_work"]


def test_break_glass_gives_normal_core_categories_only(demo_agreements: Agreements) -> None:
    teacher_grant = grant(user_id=TEACHER.user_id)
    decision = decide(TEACHER, CHI, "emergency", None, teacher_grant, demo_agreements, NOW)

    shown = {agency: set(categories) for agency, categories in decision.allowed_categories.items() if categories}
    assert shown == {
        "health": {"demographics", "health_alerts"},
        "social_work": {"sw_allocation", "cp_register"},
        "education": {"enrolment"},
    }
    assert all(labels <= {"N"} for labels in decision.labels.values())


def test_teacher_without_relationship_is_offered_break_glass_for_emergencies(demo_agreements: Agreements) -> None:
    emergency = decide(TEACHER, CHI, "emergency", None, None, demo_agreements, NOW)
    wellbeing = decide(TEACHER, CHI, "girfec_wellbeing", None, None, demo_agreements, NOW)

    assert not emergency.allowed and emergency.break_glass_available
    assert "break the glass" in emergency.reason
    assert not wellbeing.allowed and not wellbeing.break_glass_available
    assert "Break-glass is available only for" in wellbeing.reason


def test_editing_the_agreement_file_changes_what_is_asked_for_and_withheld(tmp_path: Path) -> None:
    text = DEMO_AGREEMENTS.read_text(encoding="utf-8")
    schools_clause = 'clause = "8.3"'
    start = text.index(schools_clause)
    edited = text[:start] + text[start:].replace('categories = ["police_concerns", "police_cp_flag"]',
                                                 'categories = ["police_cp_flag"]', 1)
    path = tmp_path / "agreements.toml"
    path.write_text(edited, encoding="utf-8")
    edited_agreements = load_agreements(path, today=date(2026, 11, 22))

    decision = decide(TEACHER, CHI, "child_protection", relationship(basis="named_person"), None,
                      edited_agreements, NOW)

    assert decision.categories_for("police") == {"police_cp_flag"}
    assert dict(decision.withheld["police"]) == {
        "police_concerns": "No agreement shares this with Education staff in your role"
    }
