"""One view of an assembled record: the chronology page it shows, its timeline, and its audit entry.

The page routes and the record stream both go through here, so what is shown and what is
recorded as shown are computed in one place. Everything that can fail on the request's input
(filters, dates, the page) is worked out in `prepare_view` before anything is audited; callers
render from the prepared view and only then call `record_shown`, which returns once the entry
is committed (AuditUnavailable propagates: the caller sends no content).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from portal.children import audit_events, display
from portal.children.assemble import ChildRecord
from portal.record.merge import ChronologyView, entry_events
from portal.record.plot_timeline import Timeline


@dataclass(frozen=True)
class AuditedView:
    params: display.ChronologyParams
    chronology: ChronologyView
    timeline: Timeline


def prepare_view(record: ChildRecord, args: MultiDict[str, str] | None = None, *,
                 page_size: int = display.PAGE_SIZE) -> AuditedView:
    params = display.parse_params(args or MultiDict(), {s.agency for s in record.sources})
    chronology = display.chronology_for(record, params, page_size)
    return AuditedView(params, chronology, display.timeline_for(record, params))


def record_shown(view: AuditedView, record: ChildRecord, event_type: str, *,
                 details: Mapping[str, Any] | None = None) -> None:
    shown = [e for entry in view.chronology.page.items for e in entry_events(entry)]
    # A chronology page re-shows events only; views and prints show the summary's facts too.
    facts = record.facts if event_type != "chronology_page" else ()
    audit_events.record_view(event_type, record, shown, facts,
                             details={"page": view.chronology.page.number, "filtered": view.params.raw,
                                      **(details or {})})



def audited_view(record: ChildRecord, event_type: str, args: MultiDict[str, str] | None = None, *,
                 page_size: int = display.PAGE_SIZE, details: Mapping[str, Any] | None = None) -> AuditedView:
    """Prepare, then audit, for callers that render afterwards (prefer rendering between the two)."""
    view = prepare_view(record, args, page_size=page_size)
    record_shown(view, record, event_type, details=details)
    return view
