"""Exports of the trail for IG staff: CSV for spreadsheets, a FHIR R4 Bundle for other systems.

Exporting is reading the trail: the caller records an `audit_export` entry first.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from portal.audit.bind import Bind
from portal.audit.canonical import format_instant
from portal.audit.entry import RecordedEntry
from portal.audit.fhir import DEFAULT_CHI_SYSTEM, audit_bundle
from portal.audit.models import audit_entries
from portal.audit.queries import iter_entries
from portal.spreadsheet import spreadsheet_safe

CSV_COLUMNS: tuple[str, ...] = tuple(column.name for column in audit_entries.columns)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return spreadsheet_safe(str(value))  # user agents and names are attacker-controlled


def write_csv(entries: Iterable[RecordedEntry], out: TextIO) -> int:
    """Write a header and one row per entry; returns the number of entries written."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    written = 0
    for entry in entries:
        values = entry.as_dict()
        writer.writerow([_csv_cell(values[column]) for column in CSV_COLUMNS])
        written += 1
    return written


def export_csv(
    bind: Bind, out: TextIO, *, child: str | None = None, user: str | None = None, since: datetime | None = None
) -> int:
    """CSV of the entries matching the filters (all of them if none), oldest first."""
    return write_csv(iter_entries(bind, child=child, user=user, since=since), out)


def export_fhir_bundle(
    bind: Bind,
    *,
    child: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    chi_system: str = DEFAULT_CHI_SYSTEM,
    site: str | None = None,
) -> dict[str, Any]:
    """A FHIR R4 Bundle of AuditEvents for the entries matching the filters, oldest first."""
    return audit_bundle(iter_entries(bind, child=child, user=user, since=since), chi_system=chi_system, site=site)


def write_fhir_bundle(bind: Bind, out: TextIO, **filters: Any) -> int:
    """Write the FHIR Bundle as JSON to `out`; returns the number of AuditEvents written."""
    bundle = export_fhir_bundle(bind, **filters)
    json.dump(bundle, out, ensure_ascii=False, indent=1)
    return len(bundle["entry"])
