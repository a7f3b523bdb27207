"""One view of an assembled record: the chronology page it shows, its timeline, and its audit entry.

The page routes and the record stream both go through `audited_view`, so what is shown
and what is recorded as shown are computed in one place. It returns only after the
audit entry is committed (AuditUnavailable propagates: the caller sends no content).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from portal.children import audit_events, presenter
from portal.children.service import ChildRecord
from portal.chronology import ChronologyView
from portal.timeline import Timeline


@dataclass(frozen=True)
class AuditedView:
    params: presenter.ChronologyParams
    chronology: ChronologyView
    timeline: Timeline


def audited_view(record: ChildRecord, event_type: str, args: MultiDict[str, str] | None = None, *,
                 page_size: int = presenter.PAGE_SIZE, details: Mapping[str, Any] | None = None) -> AuditedView:
    params = presenter.parse_params(args or MultiDict(), {s.agency for s in record.sources})
    chronology = presenter.chronology_for(record, params, page_size)
    shown = [e for entry in chronology.page.items for e in getattr(entry, "events", (entry,))]
    # A chronology page re-shows events only; views and prints show the summary's facts too.
    facts = record.facts if event_type != "chronology_page" else ()
    audit_events.record_view(event_type, record, shown, facts,
                             details={"page": chronology.page.number, "filtered": params.raw, **(details or {})})
    return AuditedView(params, chronology, presenter.timeline_for(record, params))
