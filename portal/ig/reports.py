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

SAR_EVENT_TYPES = frozenset(event.value for event in VIEWING_EVENTS)
SAR_CSV_HEADERS = ("When (UK time)", "What", "Who", "User id", "Role", "Organisation", "Team", "Purpose",
                   "Relationship or break-glass", "Sources (items)", "Audit entry")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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

    def as_row(self) -> list[str]:
        return [self.when, self.what, self.who, self.user_id, self.role, self.organisation, self.team,
                self.purpose, self.basis, self.sources, str(self.sequence)]


def format_uk(moment: datetime) -> str:
    """A UTC instant as UK local time, for people."""
    return f"{uk_local(moment):%d %b %Y %H:%M:%S %Z}"


def purpose_text(entry: RecordedEntry) -> str:
    parts = [part for part in (entry.purpose_code, entry.purpose_of_use) if part]
    return " / ".join(parts) or "not recorded"


def basis_text(entry: RecordedEntry) -> str:
    if entry.break_glass:
        return f"break-glass: {entry.break_glass_reason or 'no reason recorded'}"
    return entry.relationship_basis or "none recorded"


def sources_text(sources: Iterable[Mapping[str, Any]] | None) -> str:
    return ", ".join(f"{source.get('agency')} ({int(source.get('item_count', 0) or 0)})" for source in sources or [])


def sar_lines(entries: Iterable[RecordedEntry]) -> list[SarLine]:
    """Every successful search, view, chronology page or print of the child, newest first."""
    return [
        SarLine(
            sequence=entry.sequence,
            when=format_uk(entry.recorded_at),
            what=EVENT_TYPE_LABELS.get(entry.event_type, entry.event_type),
            who=entry.user_display_name or "",
            user_id=entry.user_id or "",
            role=entry.user_role or "",
            organisation=entry.organisation or "",
            team=entry.team or "",
            purpose=purpose_text(entry),
            basis=basis_text(entry),
            sources=sources_text(entry.sources),
        )
        for entry in sorted(entries, key=lambda item: item.sequence, reverse=True)
        if entry.event_type in SAR_EVENT_TYPES and entry.outcome == int(Outcome.SUCCESS)
    ]


def _safe_cell(text: str) -> str:
    # A spreadsheet runs a cell starting with these as a formula; names and reasons are typed by people.
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_sar_csv(lines: Iterable[SarLine], out: TextIO) -> int:
    """The report as CSV with a header row; returns the number of lines written."""
    writer = csv.writer(out)
    writer.writerow(SAR_CSV_HEADERS)
    written = 0
    for line in lines:
        writer.writerow([_safe_cell(cell) for cell in line.as_row()])
        written += 1
    return written


def describe_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Search filters as plain JSON for the audit entry of the read (the CHI goes in subject_chi instead)."""
    return {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in filters.items() if key != "child"}
