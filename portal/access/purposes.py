"""Purposes of access: the local coded list and its mapping to HL7 v3 purpose-of-use.

Every view carries one of these codes. The audit trail records both the local
code (what the practitioner chose) and the HL7 ActReason codes (what an outside
auditor or FHIR system understands).
"""

from __future__ import annotations

from dataclasses import dataclass

ACT_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
LOCAL_PURPOSE_SYSTEM = "urn:portal:purpose-of-access"


@dataclass(frozen=True)
class Purpose:
    """One purpose a practitioner can give for opening a child's record."""

    code: str
    label: str
    act_reasons: tuple[str, ...]  # HL7 v3 ActReason codes, most specific first
    break_glass_allowed: bool = False  # may a practitioner without a relationship break the glass for it?
    practitioner_route: bool = True  # False: only the IG workspace may use it


PURPOSES: dict[str, Purpose] = {
    p.code: p
    for p in (
        Purpose("girfec_wellbeing", "GIRFEC wellbeing planning", ("COC", "CAREMGT")),
        Purpose("child_protection", "Child protection enquiry or IRD", ("COC",), break_glass_allowed=True),
        Purpose("lead_professional_review", "Lead professional review of the child's plan", ("CAREMGT", "COC")),
        Purpose("health_care", "Direct health care", ("TREAT",)),
        Purpose("emergency", "Emergency or out-of-hours safeguarding", ("ETREAT", "BTG"), break_glass_allowed=True),
        Purpose("ig_audit", "Information governance audit review", ("HOPERAT",), practitioner_route=False),
        Purpose("sar", "Subject access request", ("PATRQT",), practitioner_route=False),
    )
}

# Coded reasons a practitioner must pick when breaking the glass (plus free text).
BREAK_GLASS_REASONS: dict[str, str] = {
    "immediate_risk": "Immediate risk of significant harm to the child",
    "out_of_hours": "Out-of-hours emergency and the relationship holder cannot be reached",
    "child_presenting": "Child presenting now with no practitioner holding a relationship",
    "ird_pending": "Inter-agency referral discussion starting before a relationship is recorded",
}

# The ActReason added to every break-glass access, whatever the chosen purpose.
BREAK_GLASS_ACT_REASON = "BTG"


def get_purpose(code: str) -> Purpose:
    """The purpose for a code; raises KeyError naming the code if it is not one of ours."""
    try:
        return PURPOSES[code]
    except KeyError:
        raise KeyError(f"unknown purpose of access: {code!r}") from None


def act_reasons_for(code: str, *, break_glass: bool = False) -> tuple[str, ...]:
    """HL7 purpose-of-use codes for the audit trail; break-glass always adds BTG."""
    reasons = get_purpose(code).act_reasons
    if break_glass and BREAK_GLASS_ACT_REASON not in reasons:
        reasons = (*reasons, BREAK_GLASS_ACT_REASON)
    return reasons


def practitioner_purposes() -> list[Purpose]:
    """Purposes offered on the practitioner route, in display order."""
    return [p for p in PURPOSES.values() if p.practitioner_route]
