"""The access decision: may this requester see this child, for this purpose, and what of it?

`decide` is a pure function of its inputs. It fails closed: any problem while
deciding (bad input, a bug) becomes a refusal with a plain reason.

Order of the rules:
1. IG officers and admins never use the practitioner route (they have the IG workspace).
2. The purpose must be a known practitioner purpose.
3. An active relationship → clauses for the requester's agency, role and purpose;
   N always, R where the clause names the role for R, V only for the owning team.
4. Otherwise an active break-glass grant for this user and child, for a purpose that
   allows break-glass → only clauses marked break-glass-usable, N only.
5. Otherwise refuse, saying why, and offer break-glass where policy allows it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from portal.access.agreements import Agreements
from portal.access.decision import (
    BASIS_BREAK_GLASS,
    BASIS_NONE,
    AccessDecision,
    BreakGlass,
    RelationshipBasis,
    Requester,
    as_utc,
)
from portal.access.grant_tables import grant_tables, matching_clauses
from portal.access.purposes import BREAK_GLASS_REASONS, PURPOSES, Purpose
from portal.access.roles import PRACTITIONER_ROUTE_ROLES, RELATIONSHIP_BASES, ROLES

log = logging.getLogger(__name__)

UNDECIDABLE = (
    "The portal could not decide whether you may see this record, so access is refused. Try again or contact IG."
)


def decide(
    requester: Requester,
    chi: str,
    purpose: str,
    relationship: RelationshipBasis | None,
    break_glass: BreakGlass | None,
    agreements: Agreements,
    now: datetime,
) -> AccessDecision:
    """Decide one request; never raises, refuses when in doubt."""
    try:
        return _decide(requester, chi, purpose, relationship, break_glass, agreements, as_utc(now))
    except Exception as error:  # failing closed is the point: any error is a refusal
        # The error's type only: its message could carry a CHI.
        log.error("access decision failed (%s); refusing", type(error).__name__)
        return AccessDecision(allowed=False, reason=UNDECIDABLE, basis=BASIS_NONE, purpose=str(purpose))


def _decide(
    requester: Requester,
    chi: str,
    purpose_code: str,
    relationship: RelationshipBasis | None,
    break_glass: BreakGlass | None,
    agreements: Agreements,
    now: datetime,
) -> AccessDecision:
    def refuse(reason: str, available: bool = False) -> AccessDecision:
        return AccessDecision(
            allowed=False, reason=reason, basis=BASIS_NONE, purpose=purpose_code, break_glass_available=available
        )

    route_problem = _route_refusal(requester, purpose_code, agreements)
    if route_problem:
        return refuse(route_problem)
    purpose = PURPOSES[purpose_code]
    if not chi:
        raise ValueError("no child identifier")
    if relationship is not None and relationship.child_chi != chi:
        raise ValueError("relationship is for a different child")

    if relationship is not None and relationship.is_active(now):
        return _grant(requester, purpose, agreements, relationship_text(relationship, agreements), relationship.basis,
                      None)

    available = _break_glass_available(requester, purpose, agreements)
    if break_glass is not None:
        if break_glass.user_id != requester.user_id or break_glass.child_chi != chi:
            raise ValueError("break-glass grant is for a different user or child")
        if break_glass.is_active(now):
            if not purpose.break_glass_allowed:
                return refuse(f"Break-glass access does not cover '{purpose.label}'. {_break_glass_purposes_text()}")
            return _grant(requester, purpose, agreements, break_glass_text(break_glass), BASIS_BREAK_GLASS,
                          break_glass)
        ended = break_glass.finished_at().strftime("%H:%M UTC on %d %b %Y")
        return refuse(f"Your break-glass access to this child ended at {ended}. " + _offer(purpose, available),
                      available)
    return refuse(_no_relationship_text(relationship, now) + " " + _offer(purpose, available), available)


def _route_refusal(requester: Requester, purpose_code: str, agreements: Agreements) -> str | None:
    """Why this requester or purpose cannot use the practitioner route at all, if so."""
    if requester.role not in ROLES:
        return "Your account's role is not recognised, so access is refused."
    if requester.role not in PRACTITIONER_ROUTE_ROLES:
        return "IG officers and administrators review records in the IG workspace, not the practitioner view."
    if requester.agency not in agreements.agencies:
        return "Your organisation is not one of the sharing agencies, so access is refused."
    purpose = PURPOSES.get(purpose_code)
    if purpose is None:
        return "Choose a purpose of access from the list."
    if not purpose.practitioner_route:
        return f"'{purpose.label}' is only available in the IG workspace."
    return None


def _grant(
    requester: Requester,
    purpose: Purpose,
    agreements: Agreements,
    basis_text: str,
    basis: str,
    break_glass: BreakGlass | None,
) -> AccessDecision:
    tables = grant_tables(requester, purpose, agreements, break_glass is not None)
    if not any(tables.allowed.values()):
        return AccessDecision(
            allowed=False,
            reason=f"No sharing agreement lets {agreements.agencies.name(requester.agency)} staff in your role see "
            f"information for '{purpose.label}'.",
            basis=basis,
            purpose=purpose.code,
            withheld=tables.withheld,
            basis_text=basis_text,
        )
    if break_glass is not None:
        until = break_glass.finished_at().strftime("%H:%M UTC")
        reason = (f"Break-glass access is active until {until}. You see core information at normal sensitivity "
                  "only. Information governance has been alerted and will review this access.")
    else:
        reason = f"You may see this record: {basis_text}, for '{purpose.label}'."
    return AccessDecision(
        allowed=True,
        reason=reason,
        basis=basis,
        purpose=purpose.code,
        allowed_categories=tables.allowed,
        withheld=tables.withheld,
        labels=tables.labels,
        clauses=tables.clauses,
        category_labels=tables.category_labels,
        reveal_restricted=tables.reveal,
        owning_teams=agreements.owning_teams,
        basis_text=basis_text,
        break_glass_expires_at=break_glass.finished_at() if break_glass else None,
        clause_refs=tables.clause_refs,
        agencies=agreements.agencies,
    )


def _break_glass_available(requester: Requester, purpose: Purpose, agreements: Agreements) -> bool:
    if not purpose.break_glass_allowed:
        return False
    return any(matching_clauses(requester, purpose, agreements, agency, True) for agency in agreements.agencies.keys)


def _break_glass_purposes_text() -> str:
    names = [p.label for p in PURPOSES.values() if p.break_glass_allowed]
    return "Break-glass is available only for: " + "; ".join(names) + "."


def _offer(purpose: Purpose, available: bool) -> str:
    if available:
        return ("If this is an emergency you may break the glass: give a reason; access lasts a limited time, "
                "shows core information only and is reviewed by information governance.")
    if not purpose.break_glass_allowed:
        return _break_glass_purposes_text()
    return "Break-glass is not available to your role for this purpose."


def _no_relationship_text(relationship: RelationshipBasis | None, now: datetime) -> str:
    if relationship is None:
        return "You have no recorded relationship with this child, so you cannot open their record."
    name = RELATIONSHIP_BASES.get(relationship.basis, relationship.basis)
    if now < as_utc(relationship.starts_at):
        return f"Your relationship with this child ({name}) has not started yet."
    if relationship.ends_at is None:
        return f"Your relationship with this child ({name}) is time-limited but has no end date, so it cannot be used."
    return f"Your relationship with this child ({name}) ended on {as_utc(relationship.ends_at).strftime('%d %b %Y')}."


_SOURCE_TEXT: dict[str, Callable[[str], str]] = {
    "admin": lambda _: "recorded by an administrator",
    "import": lambda _: "recorded by an import",
    "source": lambda name: f"reported by the {name} system",
}


def relationship_text(relationship: RelationshipBasis, agreements: Agreements | None = None) -> str:
    """'Health visitor for this child (your team), recorded by an administrator'."""
    name = RELATIONSHIP_BASES.get(relationship.basis, relationship.basis)
    team = " (through your team)" if relationship.holder == "team" else ""
    kind, _, agency = relationship.source.partition(":")
    agency_name = agreements.agencies.name(agency) if agreements is not None else agency
    text = _SOURCE_TEXT.get(kind)
    recorded = text(agency_name) if text is not None else f"recorded by {relationship.source}"
    return f"{name} for this child{team}, {recorded}"


def break_glass_text(grant: BreakGlass) -> str:
    """'Break-glass access (Immediate risk …) until 14:05 UTC'."""
    reason = BREAK_GLASS_REASONS.get(grant.reason_code, grant.reason_code)
    return f"Break-glass access ({reason}) until {grant.finished_at().strftime('%H:%M UTC')}"
