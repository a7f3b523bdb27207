"""Portal roles as the access policy sees them.

The user model stores one of these strings; agreements name them per clause.
"""

from __future__ import annotations

PRACTITIONER = "practitioner"
LEAD_PROFESSIONAL = "lead_professional"
IG_OFFICER = "ig_officer"
ADMIN = "admin"

ROLES = (PRACTITIONER, LEAD_PROFESSIONAL, IG_OFFICER, ADMIN)

# Only these roles open child records through the practitioner route; IG officers and
# admins work in the IG workspace, where every look is itself an audited review.
PRACTITIONER_ROUTE_ROLES = frozenset({PRACTITIONER, LEAD_PROFESSIONAL})

# Relationship bases an admin, an import or a source can record.
RELATIONSHIP_BASES: dict[str, str] = {
    "allocated_worker": "Allocated worker",
    "named_person": "Named person",
    "lead_professional": "Lead professional",
    "health_visitor": "Health visitor",
    "team_around_child": "Member of the team around the child",
    "cp_enquiry": "Child protection enquiry (time-limited)",
}

# Bases that must have an end date because they are granted for one piece of work.
TIME_LIMITED_BASES = frozenset({"cp_enquiry"})
