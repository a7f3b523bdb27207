"""Audit entries for the child view: what was looked at, by whom and why — never what it said.

Each function commits before returning; callers send nothing about the child until it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import current_app, request

from connectors.models import LABEL_RESTRICTED, LABEL_VERY_RESTRICTED, ChronologyEvent, KeyFact
from portal.access.decision import AccessDecision
from portal.access.filtering import Item, effective_label
from portal.access.purposes import act_reasons_for
from portal.audit import trail
from portal.audit.entry import SourceAudit
from portal.children.assemble import ChildRecord
from portal.children.reference import ChildReference
from portal.record.gather import GatheredSource, SearchOutcome

RESTRICTED_LABELS = (LABEL_RESTRICTED, LABEL_VERY_RESTRICTED)


def _purpose_fields(purpose: str, break_glass: bool = False) -> dict[str, Any]:
    reasons = act_reasons_for(purpose, break_glass=break_glass)
    return {"purpose_code": purpose, "purpose_of_use": "BTG" if break_glass else reasons[0]}


def _decision_fields(decision: AccessDecision) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "relationship_basis": decision.basis,
        "agreements": tuple(decision.clause_refs),
        **_purpose_fields(decision.purpose, decision.under_break_glass),
    }
    if decision.under_break_glass:
        fields["break_glass"] = True
    return fields


def _surname_hash(surname: str | None) -> str | None:
    """A keyed hash of the child's surname, so IG can flag a viewer sharing it without storing the name."""
    if not surname:
        return None
    try:
        from portal.ig.surnames import surname_hash
    except ImportError:  # the IG workspace is optional for this module
        return None
    return surname_hash(surname, current_app.config["AUDIT_HMAC_KEY"])


def record_search(purpose: str, by_chi: bool, outcome: SearchOutcome) -> None:
    """One entry per child the search returned (IHE BALP); one entry with no subject when none was found."""
    common = {"details": {"search_by": "chi" if by_chi else "demographics",
                          "results": len(outcome.children)}, **_purpose_fields(purpose)}
    sources = tuple(
        SourceAudit(agency=s.agency, status=s.state.value, elapsed_ms=s.elapsed_ms, item_count=s.item_count,
                    reason=s.reason)
        for s in outcome.statuses
    )
    entries = [
        trail.entry("search", subject_chi=child.chi, sources=sources,
                       subject_identifiers=tuple(
                           trail.SubjectIdentifier(r.agency, "source_id", r.source_id) for r in child.records
                       ), **common)
        for child in outcome.children
    ] or [trail.entry("search", sources=sources, **common)]
    trail.record_many(entries)


def record_view(event_type: str, record: ChildRecord, shown_events: Sequence[ChronologyEvent],
                shown_facts: Iterable[KeyFact], details: dict[str, Any] | None = None) -> None:
    """The view, chronology page or print of one child, with per-source status, counts, ids and labels."""
    facts = list(shown_facts)
    allowed = {id(item) for item in (*record.events, *record.facts)}  # kept by policy, on this page or not
    sources = tuple(
        _source_audit(source, [e for e in shown_events if e.agency == source.agency],
                      [f for f in facts if f.agency == source.agency], allowed)
        for source in record.sources
    )
    trail.record(
        event_type,
        subject_chi=record.reference.chi,
        sources=sources,
        details={**(details or {}), "removed_by_policy": record.removed_by_policy,
                 "child_surname_hash": _surname_hash(_surname(record))},
        **_decision_fields(record.decision),
    )


def _source_audit(source: GatheredSource, events: list[ChronologyEvent], facts: list[KeyFact],
                  allowed: set[int]) -> SourceAudit:
    """One source's line in the entry, with what stopped there: R/V items withheld, sealed notices, candidates."""
    raw: tuple[Item, ...] = (*source.records.events, *source.records.facts)
    restricted = sum(1 for item in raw if id(item) not in allowed and effective_label(item) in RESTRICTED_LABELS)
    return SourceAudit.from_status(source.status, events, facts, restricted_withheld=restricted,
                                   sealed_notices=len(source.records.restricted_notices),
                                   candidates=len(source.candidates))


def record_refusal(reference: ChildReference, decision: AccessDecision) -> None:
    trail.record(
        "refused", outcome=4, outcome_text=decision.reason[:500], subject_chi=reference.chi,
        details={"break_glass_available": decision.break_glass_available},
        **_decision_fields(decision),
    )


def record_busy(reference: ChildReference, decision: AccessDecision | None, retry_after_s: int) -> None:
    """A view the portal turned away because it was full: refused, with no agency asked."""
    fields = _decision_fields(decision) if decision is not None else _purpose_fields(reference.purpose)
    trail.record(
        "refused", outcome=4, outcome_text=f"the portal was busy; asked to try again in {retry_after_s} s",
        subject_chi=reference.chi, details={"busy": True, "retry_after_s": retry_after_s}, **fields,
    )


def record_invalid_reference(problem: str) -> None:
    """A child link this portal did not issue to this user, or cannot read: no child is known, so no CHI."""
    trail.record("refused", outcome=4, outcome_text="refused: invalid reference",
                    details={"route": _route(), "reference": problem})


def record_invalid_search(fields: Sequence[str]) -> None:
    """A search refused for its input: which fields were wrong, never what was typed."""
    trail.record("refused", outcome=4, outcome_text="refused: invalid search",
                    details={"route": _route(), "invalid_fields": list(fields)})


def record_invalid_break_glass(reference: ChildReference, decision: AccessDecision, fields: Sequence[str]) -> None:
    trail.record(
        "refused", outcome=4, outcome_text="refused: invalid break-glass request", subject_chi=reference.chi,
        details={"route": _route(), "invalid_fields": list(fields), "break_glass_available": True},
        **_decision_fields(decision),
    )


def _route() -> str:
    return (request.endpoint or "").rsplit(".", 1)[-1]


def record_identity_decision(reference: ChildReference, agency: str, source_id: str, confirmed: bool) -> None:
    trail.record(
        "identity_confirm" if confirmed else "identity_reject",
        subject_chi=reference.chi,
        subject_identifiers=(trail.SubjectIdentifier(agency, "source_id", source_id),),
        **_purpose_fields(reference.purpose),
    )


def record_break_glass_start(reference: ChildReference, reason_code: str, justification: str, grant_id: int,
                             expires_at: str) -> None:
    trail.record(
        "break_glass_start", subject_chi=reference.chi, break_glass=True,
        break_glass_reason=f"{reason_code}: {justification}"[:2000],
        details={"grant_id": grant_id, "expires_at": expires_at},
        **_purpose_fields(reference.purpose, break_glass=True),
    )


def record_break_glass_end(reference: ChildReference, grant_id: int) -> None:
    trail.record(
        "break_glass_end", subject_chi=reference.chi, break_glass=True,
        details={"grant_id": grant_id, "ended": "by the practitioner"},
        **_purpose_fields(reference.purpose, break_glass=True),
    )


def _surname(record: ChildRecord) -> str | None:
    parts = record.header.name.split()
    return parts[-1] if parts and record.header.recorded_by != "your search" else record.reference.surname
