"""The authorisation matrix: every role × relationship / break-glass state gives the expected allow or deny."""

from __future__ import annotations

import pytest

from connectors.models import LABEL_NORMAL, LABEL_RESTRICTED
from portal.access.decision import BASIS_BREAK_GLASS
from portal.access.policy import decide
from tests.support.policy_fixtures import CHI, NOW, grant, relationship, requester, small_agreements

AGREEMENTS = small_agreements()

STATES = {
    "relationship present": (relationship(), None),
    "relationship absent": (None, None),
    "relationship expired": (relationship(ended_days_ago=1), None),
    "relationship not started": (relationship(started_days_ago=-2), None),
    "break-glass active": (None, grant()),
    "break-glass expired": (None, grant(started_minutes_ago=61)),
    "break-glass ended early": (None, grant(ended_minutes_ago=2)),
    "relationship expired, break-glass active": (relationship(ended_days_ago=1), grant()),
}
ALLOWED_STATES = {"relationship present", "break-glass active", "relationship expired, break-glass active"}


@pytest.mark.parametrize("role", ["practitioner", "lead_professional", "ig_officer", "admin"])
@pytest.mark.parametrize("state", list(STATES))
def test_each_role_and_state_gives_the_expected_decision(role: str, state: str) -> None:
    rel, bg = STATES[state]
    decision = decide(requester(role), CHI, "emergency", rel, bg, AGREEMENTS, NOW)

    expected = role in ("practitioner", "lead_professional") and state in ALLOWED_STATES
    assert decision.allowed is expected, decision.reason
    assert decision.reason  # every cell explains itself
    if not decision.allowed:
        assert decision.categories_for("health") == frozenset()


@pytest.mark.parametrize("state", ["relationship absent", "relationship expired", "break-glass expired"])
def test_refusals_without_access_offer_break_glass_to_practitioners_only(state: str) -> None:
    rel, bg = STATES[state]
    for role, offered in [("practitioner", True), ("lead_professional", True), ("ig_officer", False),
                          ("admin", False)]:
        decision = decide(requester(role), CHI, "emergency", rel, bg, AGREEMENTS, NOW)
        assert decision.break_glass_available is offered, role


def test_ig_officers_are_sent_to_the_ig_workspace_even_with_a_relationship() -> None:
    decision = decide(requester("ig_officer"), CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)
    assert not decision.allowed
    assert "IG workspace" in decision.reason


def test_expired_relationship_refusal_says_when_it_ended() -> None:
    decision = decide(requester(), CHI, "child_protection", relationship(ended_days_ago=1), None, AGREEMENTS, NOW)
    assert "ended on 21 Nov 2026" in decision.reason


def test_break_glass_gives_only_break_glass_clauses_at_normal_sensitivity() -> None:
    decision = decide(requester("lead_professional"), CHI, "emergency", None, grant(), AGREEMENTS, NOW)

    assert decision.basis == BASIS_BREAK_GLASS
    assert decision.allowed_categories["health"] == {"health_alerts"}
    assert decision.allowed_categories["police"] == frozenset()  # police clause is not break-glass-usable
    assert decision.labels["health"] == {LABEL_NORMAL}  # R is never opened by break-glass, even for the R role
    assert decision.clauses[("health", "health_alerts")] == "TEST-HEALTH/1 §9"
    assert decision.break_glass_expires_at == grant().expires_at
    withheld = dict(decision.withheld["health"])
    assert withheld["health_conditions"] == "TEST-HEALTH/1 §1: not shared under break-glass access"


def test_break_glass_does_not_cover_a_non_emergency_purpose() -> None:
    decision = decide(requester(), CHI, "girfec_wellbeing", None, grant(), AGREEMENTS, NOW)
    assert not decision.allowed
    assert "does not cover" in decision.reason


def test_break_glass_for_another_child_or_user_fails_closed() -> None:
    other_child = decide(requester(), CHI, "emergency", None, grant(chi="0202151007"), AGREEMENTS, NOW)
    other_user = decide(requester(), CHI, "emergency", None, grant(user_id=99), AGREEMENTS, NOW)
    assert not other_child.allowed and not other_user.allowed


def test_relationship_gives_restricted_only_to_roles_the_clause_names() -> None:
    ward = "Ward 4"  # not the owning team, so V stays out of the picture
    practitioner = decide(requester("practitioner", team=ward), CHI, "child_protection", relationship(), None,
                          AGREEMENTS, NOW)
    lead = decide(requester("lead_professional", team=ward), CHI, "child_protection", relationship(), None,
                  AGREEMENTS, NOW)

    assert practitioner.category_labels[("health", "health_conditions")] == {LABEL_NORMAL}
    assert lead.category_labels[("health", "health_conditions")] == {LABEL_NORMAL, LABEL_RESTRICTED}
    # No restricted_roles on the police clause: every role it names may receive R.
    assert practitioner.category_labels[("police", "police_concerns")] == {LABEL_NORMAL, LABEL_RESTRICTED}


def test_very_restricted_only_for_the_owning_team_of_the_same_agency() -> None:
    owner = decide(requester(team="HV Team"), CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)
    other_team = decide(requester(team="Ward 4"), CHI, "child_protection", relationship(), None, AGREEMENTS, NOW)

    assert "V" in owner.labels["health"]
    assert "V" not in other_team.labels["health"]
    assert "V" not in owner.labels["police"]


def test_withheld_categories_name_the_rule_that_withheld_them() -> None:
    decision = decide(requester(), CHI, "girfec_wellbeing", relationship(), None, AGREEMENTS, NOW)

    assert decision.allowed
    assert decision.allowed_categories["police"] == frozenset()
    police_rules = dict(decision.withheld["police"])
    assert police_rules["police_concerns"].startswith("TEST-POLICE/2: shared with you only for")
    assert "No agreement shares this" in police_rules["police_cp_flag"]


def test_relationship_with_no_agreement_for_the_purpose_is_refused() -> None:
    decision = decide(requester(), CHI, "lead_professional_review", relationship(), None, AGREEMENTS, NOW)
    assert not decision.allowed
    assert "No sharing agreement" in decision.reason


@pytest.mark.parametrize("purpose", ["ig_audit", "sar", "not-a-purpose", ""])
def test_purposes_outside_the_practitioner_route_are_refused(purpose: str) -> None:
    decision = decide(requester(), CHI, purpose, relationship(), None, AGREEMENTS, NOW)
    assert not decision.allowed


def test_any_error_while_deciding_refuses_access() -> None:
    mismatched = decide(requester(), "0202151007", "emergency", relationship(), None, AGREEMENTS, NOW)
    naive_now = decide(requester(), CHI, "emergency", relationship(), None, AGREEMENTS, NOW.replace(tzinfo=None))
    broken = decide(requester(), CHI, "emergency", relationship(), None, None, NOW)  # type: ignore[arg-type]

    assert not mismatched.allowed and "could not decide" in mismatched.reason
    assert naive_now.allowed  # a naive clock is read as UTC, not an error
    assert not broken.allowed and "could not decide" in broken.reason
