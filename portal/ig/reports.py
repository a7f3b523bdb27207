"""The "who has viewed this child" report for subject access requests, and small trail-reading helpers."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from portal.audit.entry import RecordedEntry
from portal.audit.models import Outcome
from portal.audit.queries import VIEWING_EVENTS
from portal.ig.flags import uk_local
from portal.ig.forms import EVENT_TYPE_LABELS
from portal.labels import label, readable
from portal.spreadsheet import spreadsheet_safe

SAR_EVENT_TYPES = frozenset(event.value for event in VIEWING_EVENTS)
SAR_CSV_HEADERS = ("When (UK time)", "What", "Who", "User id", "Role", "Organisation", "Team", "Purpose",
                   "Relationship or break-glass", "Sources (items)", "Audit entry")


@dataclass(frozen=True)
class SarLine:
    """One time the child's information was in front of someone."""

    sequence: int
    when: str
    what: str
    who: str
    user_id: str
    role: str
    organisation: str
    team: str
    purpose: str
    basis: str
    sources: str
    grant_sequence: int | None = None  # the break-glass start entry this access happened under

    def as_row(self) -> list[str]:
        return [self.when, self.what, self.who, self.user_id, self.role, self.organisation, self.team,
                self.purpose, self.basis, self.sources, str(self.sequence)]


def format_uk(moment: datetime) -> str:
    """A UTC instant as UK clock time, for people: '18 April 2026 at 14:05:09 BST'."""
    local = uk_local(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M:%S} {local.tzname()}"


def purpose_text(entry: RecordedEntry) -> str:
    """Why, in words: our purpose's label, never its code or the HL7 code alone."""
    if entry.purpose_code:
        return label(entry.purpose_code, "purpose")
    if entry.purpose_of_use:
        return label(entry.purpose_of_use, "act_reason").capitalize()
    return "Not recorded"


def break_glass_words(reason: str | None) -> str:
    """'immediate_risk: text' → 'Immediate risk of significant harm to the child. They wrote: “text”'."""
    if not reason:
        return ""
    code, _, written = reason.partition(": ")
    words = label(code, "break_glass_reason")
    return f"{words}. They wrote: “{written.strip()}”" if written.strip() else words


def basis_text(entry: RecordedEntry, grant: RecordedEntry | None = None) -> str:
    if entry.break_glass:
        reason = entry.break_glass_reason or (grant.break_glass_reason if grant else None)
        if not reason:
            return "Emergency access (break-glass); the reason was not found in the trail"
        return f"Emergency access (break-glass): {break_glass_words(reason)}"
    if entry.relationship_basis in (None, "", "none"):
        return "No relationship recorded"
    return label(entry.relationship_basis, "basis")


def sources_text(sources: Iterable[Mapping[str, Any]] | None) -> str:
    return ", ".join(f"{label(str(source.get('agency')), 'agency')} ({int(source.get('item_count', 0) or 0)} items)"
                     for source in sources or [])


def grant_for(entry: RecordedEntry, starts: list[RecordedEntry]) -> RecordedEntry | None:
    """The break-glass start this view happened under: same user and child, started before it, not yet expired."""
    if not entry.break_glass:
        return None
    for start in sorted(starts, key=lambda item: item.sequence, reverse=True):
        if start.user_id != entry.user_id or start.subject_chi != entry.subject_chi or start.sequence > entry.sequence:
            continue
        expires = (start.details or {}).get("expires_at")
        if expires and datetime.fromisoformat(expires) < entry.recorded_at:
            continue
        return start
    return None


def sar_lines(entries: Iterable[RecordedEntry]) -> list[SarLine]:
    """Every successful search, view, chronology page or print of the child, newest first, in plain words.

    A view under break-glass is linked to the break-glass start it happened under, so its reason is shown.
    """
    entries = list(entries)
    starts = [e for e in entries if e.event_type == "break_glass_start"]
    lines = []
    for entry in sorted(entries, key=lambda item: item.sequence, reverse=True):
        if entry.event_type not in SAR_EVENT_TYPES or entry.outcome != int(Outcome.SUCCESS):
            continue
        grant = grant_for(entry, starts)
        lines.append(SarLine(
            sequence=entry.sequence,
            when=format_uk(entry.recorded_at),
            what=EVENT_TYPE_LABELS.get(entry.event_type, readable(entry.event_type)),
            who=entry.user_display_name or "",
            user_id=entry.user_id or "",
            role=label(entry.user_role, "role"),
            organisation=entry.organisation or "",
            team=entry.team or "",
            purpose=purpose_text(entry),
            basis=basis_text(entry, grant),
            sources=sources_text(entry.sources),
            grant_sequence=grant.sequence if grant else None,
        ))
    return lines


def write_sar_csv(lines: Iterable[SarLine], out: TextIO) -> int:
    """The report as CSV with a header row; returns the number of lines written."""
    writer = csv.writer(out)
    writer.writerow(SAR_CSV_HEADERS)
    written = 0
    for line in lines:
        writer.writerow([spreadsheet_safe(cell) for cell in line.as_row()])  # names and reasons are typed by people
        written += 1
    return written


def describe_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Search filters as plain JSON for the audit entry of the read (the CHI goes in subject_chi instead)."""
    return {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in filters.items() if key != "child"}
