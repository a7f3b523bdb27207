"""The child's first page read like a page turn: the summary read, then page 1 in windows.

The summary read (`assemble.start_gathering(summary_only=True)`) asks each agency who is linked and
for the key facts of the summary's categories, not for events. Page 1 is then read in windows
(`paging.read_page`); the summary's event-derived facts and the restricted notices the windows carry come
from those same windows where they can, else from reads of their own alongside (`first_reads`). The
first windows are generous enough that an ordinary child's whole history comes in one request per list:
the page then knows it read everything and draws the timeline from it. A longer history gets, instead
of the timeline, what each agency holds and a button to draw it (`/timeline`, its own audited read).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from flask import current_app

from portal.access.decision import AccessDecision
from portal.children import audit_events, display
from portal.children.assemble import ChildRecord, Gathering, build_record
from portal.children.first_reads import FirstReads, with_source_notices
from portal.children.paging import Policy, WindowedChronology, page_binding, read_page, with_failures
from portal.children.reference import ChildReference, encode_page
from portal.data.users import SignedInUser
from portal.record.gather import GatheredSource
from portal.record.merge import entry_events
from portal.record.merge_window import WindowedView
from portal.record.plot_timeline import Timeline
from portal.record.summarise import SUMMARY_CATEGORIES
from portal.sources import executor

FIRST_WINDOW = 50  # events asked of each list first (a page's worth): an ordinary child's whole list in one request


@dataclass(frozen=True)
class Holding:
    """How many events (under the filters) one agency holds, as far as the page can say."""

    agency: str
    name: str
    count: int
    at_least: bool


@dataclass(frozen=True)
class FirstPage:
    """What the first view shows and audits."""

    record: ChildRecord
    view: WindowedView
    table: WindowedChronology
    timeline: Timeline | None  # None: the history did not fit in the first windows (see `holdings`)
    holdings: tuple[Holding, ...]
    policy: Policy

    @property
    def all_events(self) -> tuple[int, bool]:
        """How many events the timeline would draw (as the agencies count them), and whether that is a lower bound."""
        return sum(h.count for h in self.holdings), any(h.at_least for h in self.holdings)

    def window_details(self) -> dict[str, dict[str, object]]:
        window: dict[str, dict[str, object]] = dict(self.view.audit_details())
        for agency, removed in self.policy.removed.items():
            window.setdefault(agency, {})["removed_by_policy"] = removed
        return window


def first_page(user: SignedInUser, reference: ChildReference, decision: AccessDecision, gathering: Gathering,
               sources: Sequence[GatheredSource], params: display.ChronologyParams, *,
               page_size: int = display.PAGE_SIZE) -> FirstPage:
    """Page `params.page` read in windows from the start, with the summary's event-derived facts read alongside.

    `gathering` is the summary read (`start_gathering(summary_only=True)`), `sources` its answers in order."""
    agencies, connectors = gathering.agencies, gathering.connectors
    base = build_record(user, reference, decision, sources, agencies, event_facts=())
    failures: dict[str, str] = {}
    deadline = time.monotonic() + current_app.config["FEDERATION_DEADLINE_S"]
    facts_policy = Policy(base, user)
    besides = FirstReads(base, params, facts_policy, failures, connectors, executor(), deadline)  # facts, notices
    view, policy = read_page(base, user, params, None, failures, page_size=page_size, first_window=FIRST_WINDOW,
                             connectors=connectors, read=SUMMARY_CATEGORIES, keep=besides.keep)
    facts, found = besides.facts(), besides.notices(view)  # both settle their failures before the page does
    settled = with_failures(base, failures, policy)
    noticed = with_source_notices(settled.sources, found)
    record = _with_notices(build_record(user, reference, decision, noticed, agencies, event_facts=facts),
                           {**facts_policy.notices(), **policy.notices()})
    following = ""
    if view.next_page is not None and view.page.has_next:
        counted = (view.page.total_items, view.matching_events)  # carried on, so page 2 says no less than page 1
        carried = replace(view.next_page, known=(*counted, None)) if view.counts_exact else replace(
            view.next_page, at_least=counted)
        following = encode_page(carried, page_binding(reference, params), current_app.config["SECRET_KEY"],
                                _session_key())
    table = WindowedChronology(view.page, view.matching_events, None, not view.counts_exact, following)
    timeline = None
    if view.everything is not None:
        timeline = display.timeline_of(record, view.everything, params)
    return FirstPage(record, view, table, timeline, _holdings(record, view, params), policy)


def _with_notices(record: ChildRecord, found: dict[str, str]) -> ChildRecord:
    """Add the notices for withheld restricted events among those read (the summary read saw no events)."""
    notices = dict(record.notices)
    for agency, notice in found.items():
        notices[agency] = tuple(dict.fromkeys((*notices.get(agency, ()), notice)))
    return replace(record, notices=notices)


def _session_key() -> str:
    from portal.auth.sessions import reference_key

    return reference_key()


def _holdings(record: ChildRecord, view: WindowedView, params: display.ChronologyParams) -> tuple[Holding, ...]:
    """Per agency asked, how many events match the filters: counted when its lists were read to the end, its own
    totals where it applied every filter and the portal applies none of its own, else at least what was read."""
    criteria = params.criteria
    portal_side = bool(criteria.text.strip() or criteria.shanarri)
    holdings: list[Holding] = []
    for source in record.sources:
        stats = [s for s in view.stats if s.agency == source.agency]
        if not stats:
            continue
        name = source.display_name or source.agency
        read = view.matched_by_agency.get(source.agency, 0)
        totals = [s.total for s in stats if s.total is not None and s.filters_applied and s.total_is_events]
        if all(s.next_offset is None for s in stats):
            holdings.append(Holding(source.agency, name, read, False))
        elif len(totals) == len(stats) and not portal_side:
            holdings.append(Holding(source.agency, name, max(read, sum(totals)), False))
        else:
            holdings.append(Holding(source.agency, name, read, True))
    return tuple(holdings)


def record_first_page(shown: FirstPage, event_type: str, params: display.ChronologyParams,
                      details: Mapping[str, object] | None = None) -> None:
    """The entry: the page's record ids and (for a view) the summary's facts, and per agency the windows asked."""
    events = [e for entry in shown.table.page.items for e in entry_events(entry)]
    facts = shown.record.facts if event_type != "chronology_page" else ()
    audit_events.record_view(event_type, shown.record, events, facts,
                             details={"page": shown.table.page.number, "filtered": params.raw,
                                      "timeline": "drawn" if shown.timeline is not None else "offered",
                                      "window": shown.window_details(), **(details or {})})
