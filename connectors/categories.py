"""Data categories: the unit that sharing agreements allow or withhold.

A connector is asked only for the categories an agreement allows, and tags every
event and key fact with the category it belongs to.
"""

from __future__ import annotations

CATEGORIES: dict[str, dict[str, str]] = {
    "health": {
        "demographics": "Demographics and GP practice",
        "health_alerts": "Health alerts, allergies and adverse reactions",
        "health_conditions": "Conditions and diagnoses",
        "immunisations": "Immunisations",
        "health_encounters": "Attendances and admissions",
        "health_appointments": "Appointments, including missed appointments",
        "health_plans": "Care plans and episodes of care (health visiting, CAMHS)",
    },
    "social_work": {
        "sw_allocation": "Allocated worker, team and lead professional",
        "cp_register": "Child protection register and areas of concern",
        "looked_after": "Looked-after status and legal basis",
        "childs_plan": "Child's plan and review dates",
        "sw_events": "Significant social work events",
        "sw_case_notes": "Case note summaries",
        "family_contacts": "Family contacts and people not to be given information",
    },
    "education": {
        "enrolment": "School, stage and named person",
        "attendance": "Attendance patterns and absence",
        "exclusions": "Exclusions",
        "asn": "Additional support needs and plan type",
        "pastoral_notes": "Significant pastoral notes",
    },
    "police": {
        "police_concerns": "Concern report summaries",
        "police_cp_flag": "Child protection flag",
    },
    "scra": {
        "scra_referrals": "Referrals to the Reporter and grounds",
        "scra_hearings": "Hearings and decisions",
        "scra_orders": "Compulsory supervision orders and conditions",
    },
}


def all_categories(agency: str) -> frozenset[str]:
    """Every category an agency's connector can supply."""
    return frozenset(CATEGORIES.get(agency, {}))
