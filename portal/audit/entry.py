"""What a caller hands the writer (`AuditInput`) and what the trail gives back (`RecordedEntry`).

These carry *that* something was seen (sources, counts, record ids, labels), never
*what* it said: there is no field for record content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.models import ChronologyEvent, KeyFact, SourceStatus
from portal.audit.canonical import ColumnValues
from portal.audit.models import EventType, Outcome

USER_AGENT_LIMIT = 500  # the column size; the header is client-controlled so it is cut, not rejected
CLIENT_ADDRESS_LIMIT = 64


def hash_session_id(raw_session_id: str) -> str:
    """The value stored for a session: a SHA-256 of the raw id, so the trail never holds a usable cookie."""
    return hashlib.sha256(raw_session_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SourceAudit:
    """What one agency returned for one view: status, timing, counts, ids and labels; never content."""

    agency: str
    status: str
    elapsed_ms: int = 0
    item_count: int = 0
    record_ids: tuple[str, ...] = ()
    security_labels: tuple[str, ...] = ()
    withheld_categories: tuple[str, ...] = ()
    dropped_wrong_child: int = 0
    reason: str = ""
    # What stopped at this source, for the transparency tool: items withheld for their R/V label,
    # "restricted information exists" notices the source sent for sealed items, unconfirmed candidates.
    restricted_withheld: int = 0
    sealed_notices: int = 0
    candidates: int = 0

    @classmethod
    def from_status(
        cls,
        status: SourceStatus,
        events: Iterable[ChronologyEvent] = (),
        facts: Iterable[KeyFact] = (),
        *,
        restricted_withheld: int = 0,
        sealed_notices: int = 0,
        candidates: int = 0,
    ) -> SourceAudit:
        """Summarise a source from its status line and the events and facts actually shown from it."""
        shown_events = list(events)
        shown_facts = list(facts)
        record_ids = [event.source_record_id for event in shown_events]
        record_ids += [fact.source_record_id for fact in shown_facts if fact.source_record_id]
        labels = {event.security_label for event in shown_events} | {fact.security_label for fact in shown_facts}
        return cls(
            agency=status.agency,
            status=status.state.value,
            elapsed_ms=status.elapsed_ms,
            item_count=status.item_count,
            record_ids=tuple(dict.fromkeys(record_ids)),
            security_labels=tuple(sorted(labels)),
            withheld_categories=tuple(status.withheld_categories),
            dropped_wrong_child=status.dropped_wrong_child,
            reason=status.reason,
            restricted_withheld=restricted_withheld,
            sealed_notices=sealed_notices,
            candidates=candidates,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "status": self.status,
            "elapsed_ms": int(self.elapsed_ms),
            "item_count": int(self.item_count),
            "record_ids": list(self.record_ids),
            "security_labels": list(self.security_labels),
            "withheld_categories": list(self.withheld_categories),
            "dropped_wrong_child": int(self.dropped_wrong_child),
            "reason": self.reason,
            "restricted_withheld": int(self.restricted_withheld),
            "sealed_notices": int(self.sealed_notices),
            "candidates": int(self.candidates),
        }


@dataclass(frozen=True)
class SubjectIdentifier:
    """A source identifier used to find the child when there is no CHI (e.g. an SCN at education)."""

    agency: str
    kind: str
    value: str

    def to_json(self) -> dict[str, str]:
        return {"agency": self.agency, "kind": self.kind, "value": self.value}


def _json_text(value: Any, what: str) -> str:
    """The value as JSON text; rejects what JSON cannot hold."""
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"audit {what} must be plain JSON data: {type(error).__name__}") from None


def _json_roundtrip(value: Any, what: str) -> Any:
    """The value as it will read back from the store (tuples become lists); rejects what JSON cannot hold."""
    return json.loads(_json_text(value, what))


@dataclass(frozen=True)
class AuditInput:
    """One event to record. The writer adds sequence, time and hashes."""

    event_type: EventType
    outcome: Outcome = Outcome.SUCCESS
    outcome_text: str | None = None
    user_id: str | None = None
    user_display_name: str | None = None
    user_role: str | None = None
    organisation: str | None = None
    team: str | None = None
    session_hash: str | None = None
    client_address: str | None = None
    user_agent: str | None = None
    subject_chi: str | None = None
    subject_identifiers: tuple[SubjectIdentifier, ...] = ()
    purpose_code: str | None = None  # the portal's local purpose code, e.g. "child_protection"
    purpose_of_use: str | None = None  # HL7 v3 ActReason, e.g. "COC"
    relationship_basis: str | None = None
    break_glass: bool = False
    break_glass_reason: str | None = None
    related_sequence: int | None = None  # e.g. the break-glass start a review or end refers to
    agreements: tuple[str, ...] = ()
    sources: tuple[SourceAudit, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    # The details' JSON text, made (and so checked) once at construction; the writer reads the stored form from it.
    _details_text: str = field(init=False, repr=False, compare=False, default="{}")

    def __post_init__(self) -> None:
        # Coerce once here so a bad value fails at the call site, before any transaction starts.
        object.__setattr__(self, "event_type", EventType(self.event_type))
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        if self.subject_chi is not None and not isinstance(self.subject_chi, str):
            raise TypeError("subject_chi must be a string (CHIs can start with 0)")
        # Client-controlled headers are cleaned, not rejected: a hostile header must not block the audit write.
        if self.user_agent is not None:
            object.__setattr__(self, "user_agent", self.user_agent.replace("\x00", "")[:USER_AGENT_LIMIT])
        if self.client_address is not None:
            object.__setattr__(self, "client_address", self.client_address.replace("\x00", "")[:CLIENT_ADDRESS_LIMIT])
        if self.break_glass_reason and not self.break_glass:
            raise ValueError("a break-glass reason needs break_glass=True")
        object.__setattr__(self, "_details_text", _json_text(dict(self.details), "details"))

    def column_values(self) -> dict[str, Any]:
        """The stored column values (without sequence, time and hashes), JSON already normalised."""
        return {
            "event_type": self.event_type.value,
            "outcome": int(self.outcome),
            "outcome_text": self.outcome_text,
            "user_id": self.user_id,
            "user_display_name": self.user_display_name,
            "user_role": self.user_role,
            "organisation": self.organisation,
            "team": self.team,
            "session_hash": self.session_hash,
            "client_address": self.client_address,
            "user_agent": self.user_agent,
            "subject_chi": self.subject_chi,
            "subject_identifiers": _json_roundtrip([i.to_json() for i in self.subject_identifiers], "identifiers"),
            "purpose_code": self.purpose_code,
            "purpose_of_use": self.purpose_of_use,
            "relationship_basis": self.relationship_basis,
            "break_glass": bool(self.break_glass),
            "break_glass_reason": self.break_glass_reason,
            "related_sequence": self.related_sequence,
            "agreements": _json_roundtrip(list(self.agreements), "agreements"),
            # Already as it reads back (to_json makes lists and plain numbers): the largest field, so not encoded and
            # parsed once more here (tests/unit/audit/test_source_json.py holds to_json to that).
            "sources": [source.to_json() for source in self.sources],
            "details": json.loads(self._details_text),
        }


@dataclass(frozen=True)
class RecordedEntry:
    """One committed entry, as stored."""

    sequence: int
    recorded_at: datetime
    event_type: str
    outcome: int
    outcome_text: str | None
    user_id: str | None
    user_display_name: str | None
    user_role: str | None
    organisation: str | None
    team: str | None
    session_hash: str | None
    client_address: str | None
    user_agent: str | None
    subject_chi: str | None
    subject_identifiers: list[dict[str, str]] | None
    purpose_code: str | None
    purpose_of_use: str | None
    relationship_basis: str | None
    break_glass: bool
    break_glass_reason: str | None
    related_sequence: int | None
    agreements: list[str] | None
    sources: list[dict[str, Any]] | None
    details: dict[str, Any] | None
    prev_hash: str
    entry_hash: str

    @classmethod
    def from_row(cls, row: ColumnValues) -> RecordedEntry:
        """Build from a result row mapping (`row._mapping`) or a dict of column values."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}
