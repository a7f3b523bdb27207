"""A chronology page turn read in windows: ask each agency only for what could land on the page.

The first view reads its page the same way (portal.children.first_view). Turning a page keeps
the timeline on screen (it does not change with the page) and reads the chronology through
`portal.record.merge_window`: identity as usual (who is linked at each agency), then each
agency's sorted lists from where the previous page stopped, filtered by the access policy item
by item, as `filter_items` does for the whole record. Nothing is kept between requests except
the opaque "next page" reference in the link.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial

from flask import current_app

from connectors.base import Connector
from connectors.errors import ConnectorError
from connectors.models import LABEL_RESTRICTED, LABEL_VERY_RESTRICTED, ChronologyEvent, SourceState, SourceStatus
from connectors.window import EventSlice, EventStream, EventWindow, WholeListStream
from portal.access.decision import AccessDecision, Requester
from portal.access.filtering import effective_label, may_see, restricted_notice
from portal.children import display
from portal.children.assemble import ChildRecord, build_record, gather_request
from portal.children.reference import ChildReference
from portal.data.users import SignedInUser
from portal.metrics import observed
from portal.record.gather import GatheredSource, gather
from portal.record.merge import Page
from portal.record.merge_window import AgencyStreams, Resume, WindowedView, agency_streams, windowed_chronology
from portal.sources import executor, registry


@dataclass(frozen=True)
class WindowedChronology:
    """What the chronology table draws for a windowed page ("at least" where the sources cannot count)."""

    page: Page
    matching_events: int
    total_events: int | None  # None: not known (events the filters leave out were never asked for)
    at_least: bool
    next_at: str = ""  # the next page's reference (empty: none)


def page_binding(reference: ChildReference, params: display.ChronologyParams) -> str:
    """What a page reference is valid for: this child, purpose and user, under these filters and this order."""
    filters = {key: value for key, value in params.raw.items() if key != "page"}
    return json.dumps([reference.user_id, hashlib.sha256(reference.chi.encode()).hexdigest(), reference.purpose,
                       filters], sort_keys=True)


def identity_record(user: SignedInUser, reference: ChildReference, decision: AccessDecision) -> ChildRecord:
    """Who is linked at each agency, and the KIS inputs that need no events (no agency's events are read)."""
    connectors = registry().connectors
    request = replace(gather_request(connectors, reference, decision), read_records=False)
    sources = gather(connectors, request, deadline_s=current_app.config["FEDERATION_DEADLINE_S"],
                     executor=executor())
    return build_record(user, reference, decision, list(observed(sources)),
                        {c.agency: c.display_name for c in connectors})


class Policy:
    """The access policy's per-item test, and what it (and the identity check) took out, per agency."""

    def __init__(self, record: ChildRecord, user: SignedInUser) -> None:
        self._decision, self._requester = record.decision, Requester.from_user(user)
        self._people = {s.agency: {p.source_id for p in s.people} for s in record.sources}
        self.wrong_child: Counter[str] = Counter()
        self.removed: Counter[str] = Counter()
        self.restricted: dict[str, None] = {}  # agencies with a withheld R/V event the agreement lets us mention

    def __call__(self, event: ChronologyEvent) -> bool:
        if event.subject_source_id is not None and event.subject_source_id not in self._people.get(event.agency, ()):
            self.wrong_child[event.agency] += 1  # about someone else, as only_this_person drops it
            return False
        allowed = not event.category or event.category in self._decision.categories_for(event.agency)
        if not (allowed and may_see(event, self._decision, self._requester)):
            self.removed[event.agency] += 1
            if effective_label(event) in (LABEL_RESTRICTED, LABEL_VERY_RESTRICTED) and \
                    self._decision.reveal_restricted.get((event.agency, event.category), False):
                self.restricted[event.agency] = None  # as filter_items turns it into a notice
            return False
        return True

    def notices(self) -> dict[str, str]:
        """Per agency, the "restricted information exists" notice for the withheld events this test saw."""
        return {agency: restricted_notice(self._decision, agency) for agency in self.restricted}


class _Answering:
    """A stream whose failure costs its agency's part of the page (said on the page), not the page."""

    def __init__(self, stream: EventStream, failures: dict[str, str], agency: str) -> None:
        self._stream, self._failures, self._agency = stream, failures, agency
        self.name, self.pushed_down = stream.name, stream.pushed_down
        self.all_significant: bool = getattr(stream, "all_significant", False)

    def fetch(self, window: EventWindow, *, deadline: float) -> EventSlice:
        if self._agency not in self._failures:
            try:
                return self._stream.fetch(window, deadline=deadline)
            except (ConnectorError, TimeoutError) as error:
                self._failures[self._agency] = str(error) or "did not answer"
        return EventSlice((), 0, None, 0)


def windowed_page(record: ChildRecord, user: SignedInUser, params: display.ChronologyParams, resume: Resume | None,
                  *, page_size: int = display.PAGE_SIZE) -> tuple[ChildRecord, WindowedView, Policy]:
    """The page, read in windows from the agencies where this child is linked (only those the filter names)."""
    failures: dict[str, str] = {}
    view, policy = read_page(record, user, params, resume, failures, page_size=page_size)
    return with_failures(record, failures, policy), view, policy


def streams_for(record: ChildRecord, source: GatheredSource, categories: frozenset[str], failures: dict[str, str],
                connectors: Mapping[str, Connector]) -> tuple[EventStream, ...]:
    """The agency's lists of `categories` (as far as the decision allows) for this child's linked records; a list
    that fails costs its agency's part (noted in `failures`), not the page."""
    connector = connectors[source.agency]
    allowed = categories & record.decision.categories_for(source.agency) & frozenset(connector.categories)
    streams = agency_streams(connector, source.people, allowed).streams if allowed else ()
    return tuple(_Answering(s, failures, source.agency) for s in streams)


def read_page(record: ChildRecord, user: SignedInUser, params: display.ChronologyParams, resume: Resume | None,
              failures: dict[str, str], *, page_size: int = display.PAGE_SIZE, first_window: int | None = None,
              connectors: Mapping[str, Connector] | None = None, read: frozenset[str] = frozenset(),
              keep: Callable[[str, tuple[EventStream, ...]], tuple[EventStream, ...]] | None = None
              ) -> tuple[WindowedView, Policy]:
    """Read the page in windows; what failed is noted in `failures` (settle it with `with_failures`).

    `read`: categories whose events the sources already hold (the summary read's): merged from memory, not asked
    again. `keep(agency, streams)`: the streams to read instead (e.g. sharing their answers), before any is asked."""
    wanted = params.criteria.agencies
    agencies: list[AgencyStreams] = []
    connectors = connectors or {c.agency: c for c in registry().connectors}
    for source in record.sources:
        if not source.people or (wanted and source.agency not in wanted):
            continue  # agency filter pushed down: an agency not chosen is not asked
        every = frozenset(record.decision.categories_for(source.agency))
        streams = streams_for(record, source, every - read, failures, connectors)
        if keep is not None:
            streams = keep(source.agency, streams)
        held = tuple(e for e in source.records.events if e.category in read)
        if held:
            streams = (*streams, WholeListStream("summary read", partial(_already_read, held)))
        agencies.append(AgencyStreams(source.agency, streams))
    policy = Policy(record, user)
    view = windowed_chronology(agencies, params.criteria, newest_first=params.newest_first, page=params.page,
                               page_size=page_size, visible=policy, executor=executor(), resume=resume,
                               as_one_list=True,  # the view merges one list of every agency's events
                               deadline=time.monotonic() + current_app.config["FEDERATION_DEADLINE_S"],
                               first_window=first_window)
    for stats in view.stats:  # rows the source filed under this child but about someone else, dropped there
        policy.wrong_child[stats.agency] += stats.dropped_wrong_child
    return view, policy


def _already_read(events: tuple[ChronologyEvent, ...], _deadline: float) -> tuple[ChronologyEvent, ...]:
    return events


def with_failures(record: ChildRecord, failures: dict[str, str], policy: Policy) -> ChildRecord:
    """Say on the page (and in the audit) which agency's part is missing, and what was dropped as someone else's."""
    sources: list[GatheredSource] = []
    for source in record.sources:
        status = source.status
        if source.agency in failures:
            status = SourceStatus(source.agency, SourceState.FAILED, failures[source.agency], status.elapsed_ms,
                                  withheld_categories=status.withheld_categories)
        elif policy.wrong_child[source.agency]:
            count = policy.wrong_child[source.agency] + status.dropped_wrong_child
            status = replace(status, dropped_wrong_child=count)
        sources.append(replace(source, status=status))
    return replace(record, sources=tuple(sources))


def table_for(view: WindowedView, resume: Resume | None, next_at: str) -> WindowedChronology:
    """The counts the page shows: counted when the window read everything, else those counted on page 1,
    else at least what was read."""
    known = resume.known if resume else None
    page = view.page
    floor = resume.at_least if resume and resume.at_least and not view.counts_exact else None
    if floor is not None and known is None:  # never fewer than a page before could already say
        return WindowedChronology(replace(page, total_items=max(floor[0], page.total_items)),
                                  max(floor[1], view.matching_events), None, True, next_at)
    if view.counts_exact or known is None:
        return WindowedChronology(page, view.matching_events, None, not view.counts_exact, next_at)
    entries, matching, total = known
    return WindowedChronology(replace(page, total_items=max(entries, page.total_items)), matching, total, False,
                              next_at)
