"""Purposes of access and their HL7 purpose-of-use codes."""

from __future__ import annotations

import pytest

from portal.access.decision import Requester
from portal.access.purposes import (
    PURPOSES,
    act_reasons_for,
    get_purpose,
    practitioner_purposes,
)


def test_purposes_map_to_the_suggested_hl7_codes() -> None:
    assert act_reasons_for("girfec_wellbeing") == ("COC", "CAREMGT")
    assert act_reasons_for("child_protection") == ("COC",)
    assert act_reasons_for("emergency") == ("ETREAT", "BTG")
    assert act_reasons_for("ig_audit") == ("HOPERAT",)
    assert act_reasons_for("sar") == ("PATRQT",)
    assert act_reasons_for("health_care") == ("TREAT",)


def test_break_glass_always_adds_btg_once() -> None:
    assert act_reasons_for("child_protection", break_glass=True) == ("COC", "BTG")
    assert act_reasons_for("emergency", break_glass=True) == ("ETREAT", "BTG")


def test_only_emergency_purposes_allow_break_glass_and_ig_purposes_stay_off_the_practitioner_list() -> None:
    assert {p.code for p in PURPOSES.values() if p.break_glass_allowed} == {"child_protection", "emergency"}
    offered = {p.code for p in practitioner_purposes()}
    assert "ig_audit" not in offered and "sar" not in offered and "girfec_wellbeing" in offered


def test_unknown_purpose_names_itself() -> None:
    with pytest.raises(KeyError, match="gossip"):
        get_purpose("gossip")


def test_requester_from_a_signed_in_user_like_object() -> None:
    class SignedIn:
        id = 5
        role = "practitioner"
        agency = "education"
        team = "Lochgelly High School"

    assert Requester.from_user(SignedIn()) == Requester(5, "practitioner", "education", "Lochgelly High School")


def test_policy_roles_match_the_user_model_roles() -> None:
    # The pure policy keeps its own copy (no ORM import); drift would silently refuse or admit a role.
    from portal.access.roles import ROLES
    from portal.data.models import ROLES as MODEL_ROLES

    assert set(ROLES) == set(MODEL_ROLES)
