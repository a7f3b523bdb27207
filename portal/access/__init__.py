"""Access policy: relationships, purposes, sharing agreements, sensitivity labels and break-glass.

Pure code only: the database side (relationships, break-glass grants) lives in
`portal.data`, and views turn those rows into the value types below.
"""

from portal.access.agreements import AgreementError, Agreements, Clause, load_agreements
from portal.access.decision import AccessDecision, BreakGlass, RelationshipBasis, Requester
from portal.access.filtering import FilteredItems, explain, filter_items, source_notices
from portal.access.policy import decide

__all__ = [
    "AccessDecision",
    "AgreementError",
    "Agreements",
    "BreakGlass",
    "Clause",
    "FilteredItems",
    "RelationshipBasis",
    "Requester",
    "decide",
    "explain",
    "filter_items",
    "load_agreements",
    "source_notices",
]
