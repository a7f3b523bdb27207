"""REST/JSON connector: one class, configured per agency (education, police, SCRA, …).

Everything agency-specific is configuration: how to search for a person, where
their fields are, which collections to read for which categories, and how an
item becomes an event or a key fact (see `config/connectors.toml`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any
from urllib.parse import quote

from connectors.base import HttpConnector, run_concurrently, unreadable_as_malformed
from connectors.errors import MalformedResponseError
from connectors.item_text import as_text, getter, lookup
from connectors.items import map_items, person_from_item
from connectors.mapping import EventMapping, FactMapping, ItemContext, PercentageSummary
from connectors.models import ChronologyEvent, KeyFact, PersonQuery, PersonRecord, SourceRecords
from connectors.paging import follow_pages
from connectors.rest_together import FirstWindows, WindowsTogether
from connectors.window import EventSlice, EventStream, EventWindow, WholeListStream

MAX_WINDOW = 200  # events asked for in one request when the agency sets no page size
# Where a person's attributes are read when `[people.fields]` does not say (sex and previous surname: only if it does).
PERSON_DEFAULTS = {"forename": "forename", "surname": "surname", "birth_date": "dob", "postcode": "postcode"}


@dataclass(frozen=True)
class PeopleSpec:
    """How to search the source for a person and read its person record."""

    path: str
    list_field: str
    id_field: str
    by_chi: Mapping[str, str]
    by_identifier: Mapping[str, Mapping[str, str]]
    by_demographics: Mapping[str, str]
    identifiers: Mapping[str, str]  # identifier kind -> path in the person item
    fields: Mapping[str, str]  # PersonRecord attribute -> path in the person item


@dataclass(frozen=True)
class CollectionSpec:
    """One per-person list endpoint and how its items map."""

    name: str
    path: str
    categories: frozenset[str]
    list_field: str
    subject_field: str | None
    id_field: str
    event: EventMapping | None
    facts: tuple[FactMapping, ...]
    percentage: PercentageSummary | None
    window: bool = False  # the source sorts this list by the event's date and takes sort/order/offset/until
    summary: SummarySource | None = None  # the source sums the percentage list itself


@dataclass(frozen=True)
class SummarySource:
    """Where the source sums a percentage list (`path`), and the list parameter keeping only low periods."""

    path: str
    count_field: str
    below_param: str | None


@dataclass(frozen=True)
class _Read:
    """A collection read through its summary: what it gives, already mapped."""

    events: list[ChronologyEvent]
    facts: list[KeyFact]
    notices: list[str]
    dropped: int = 0


class RestConnector(HttpConnector):
    """A JSON API that lists people and, per person, collections of records."""

    def __init__(self, *, people: PeopleSpec, collections: tuple[CollectionSpec, ...],
                 person_facts: tuple[FactMapping, ...] = (), notice_field: str = "restricted_notice",
                 next_field: str = "next", page_size: int | None = None, page_size_param: str = "page_size",
                 together: WindowsTogether | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.together = together
        self.page_size = page_size
        self.page_size_param = page_size_param
        self.people = people
        self.collections = collections
        self.person_facts = person_facts
        self.notice_field = notice_field
        self.next_field = next_field

    # -- people ---------------------------------------------------------------------------------

    @unreadable_as_malformed
    def find_people(self, query: PersonQuery, *, deadline: float) -> list[PersonRecord]:
        values = {
            "chi": (query.chi or "").replace(" ", ""), "forename": query.forename or "",
            "surname": query.surname or "", "postcode": query.postcode or "",
            "birth_date": query.birth_date.isoformat() if query.birth_date else "",
        }
        template = self.people.by_chi if query.chi else self.people.by_demographics
        return [self._person(item) for item in self._search_people(template, values, deadline=deadline)]

    def _search_people(self, template: Mapping[str, str], values: Mapping[str, str], *,
                       deadline: float) -> list[Mapping[str, Any]]:
        params = {name: _fill(t, values) for name, t in template.items()}
        params = {k: v for k, v in params.items() if v}
        if not params:
            return []
        found: list[Mapping[str, Any]] = []
        for items, _body in self._pages(self.people.path, params, self.people.list_field, deadline=deadline):
            found.extend(i for i in items if as_text(lookup(i, self.people.id_field)))
        return found

    def _person(self, item: Mapping[str, Any]) -> PersonRecord:
        person = person_from_item(item, agency=self.agency, source_name=self.display_name,
                                  id_field=self.people.id_field, identifiers=self.people.identifiers,
                                  fields=self.people.fields, defaults=PERSON_DEFAULTS)
        return replace(person, source_item=item) if self.person_facts else person

    # -- records --------------------------------------------------------------------------------

    @unreadable_as_malformed
    def fetch_records(self, person: PersonRecord, categories: frozenset[str], *, deadline: float) -> SourceRecords:
        wanted = categories & self.categories
        ctx = ItemContext(self.agency, self.display_name, self.source_system, person.source_id)
        # Minimisation: a collection nobody asked for is never requested.
        specs = [spec for spec in self.collections if spec.categories & wanted]
        wants_person_facts = any(f.category in wanted for f in self.person_facts)
        item = self._item_of(person) if wants_person_facts else None
        asks_person = wants_person_facts and item is None
        # The reads are independent, so they are sent at once: the view waits for the slowest, not the sum.
        tasks: list[Callable[[], Any]] = [partial(self._collection_items, s, person, deadline) if s.summary is None
                                          else partial(self._summary_read, s, person, wanted, ctx, deadline)
                                          for s in specs]
        # A summarised list's low periods are asked for at once, beside its summary.
        lows = [s for s in specs if s.summary is not None and s.summary.below_param]
        tasks += [partial(self._low_read, s, person, ctx, deadline) for s in lows]
        if asks_person:
            tasks.append(partial(self._person_facts, person, wanted, ctx, deadline=deadline))
        answers = run_concurrently(tasks, max_workers=self.http.parallel_requests,
                                 executor=self.executor)
        facts: list[KeyFact] = list(answers.pop()) if asks_person else []
        low_reads: list[_Read] = [answers.pop() for _ in lows][::-1]
        if item is not None:
            facts = self._facts_of([item], person, wanted, ctx)
        events: list[ChronologyEvent] = []
        notices: list[str] = []
        dropped = 0
        for spec, answer in zip(specs, answers, strict=True):
            if isinstance(answer, _Read):
                low = low_reads.pop(0) if spec.summary is not None and spec.summary.below_param else _Read([], [], [])
                events.extend(low.events)
                facts.extend(answer.facts)
                notices.extend(n for n in (*answer.notices, *low.notices) if n not in notices)
                dropped += low.dropped
                continue
            items, spec_notices, spec_dropped = answer
            more_events, more_facts = _map_items(spec, items, ctx, wanted)
            events.extend(more_events)
            facts.extend(more_facts)
            notices.extend(n for n in spec_notices if n not in notices)
            dropped += spec_dropped
        return SourceRecords(events=tuple(events), facts=tuple(facts), restricted_notices=tuple(notices),
                             dropped_wrong_child=dropped)

    def _collection_items(self, spec: CollectionSpec, person: PersonRecord, deadline: float,
                          params: Mapping[str, str] | None = None) -> tuple[list[Mapping[str, Any]], list[str], int]:
        """Every page of one collection: this person's items, any restricted notices, and how many were dropped."""
        path = spec.path.replace("{id}", quote(person.source_id, safe=""))
        items: list[Mapping[str, Any]] = []
        notices: list[str] = []
        dropped = 0
        for page_items, body in self._pages(path, params, spec.list_field, deadline=deadline):
            notice = body.get(self.notice_field)
            if notice and str(notice) not in notices:
                notices.append(str(notice))
            mine = _about(spec, page_items, person)
            dropped += len(page_items) - len(mine)
            items.extend(mine)
        return items, notices, dropped

    def _summary_read(self, spec: CollectionSpec, person: PersonRecord, wanted: frozenset[str], ctx: ItemContext,
                      deadline: float) -> _Read:
        """The percentage fact from the source's summary (one small answer instead of every period)."""
        assert spec.summary is not None and spec.percentage is not None
        path = spec.summary.path.replace("{id}", quote(person.source_id, safe=""))
        body = self.get_json(path, None, deadline=deadline, endpoint=f"{spec.name} summary")
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{self.display_name} sent a summary that is not an object")
        fact = spec.percentage.from_summary(body, spec.summary.count_field, ctx)
        if spec.summary.below_param is None and spec.percentage.spec.event_below_percent is not None:
            # No filter for low periods at the source: they come from the whole list, as without a summary.
            items, notices, dropped = self._collection_items(spec, person, deadline)
            return _Read(spec.percentage.low_events(items, ctx), [fact] if fact else [],
                         [*self._notice_in(body), *notices], dropped)
        return _Read([], [fact] if fact else [], list(self._notice_in(body)))

    def _low_read(self, spec: CollectionSpec, person: PersonRecord, ctx: ItemContext, deadline: float) -> _Read:
        """Every low period of a summarised list, as the source filters it (all pages of the filtered list)."""
        assert spec.percentage is not None
        items, notices, dropped = self._collection_items(spec, person, deadline, self._low_params(spec))
        return _Read(spec.percentage.low_events(items, ctx), [], notices, dropped)

    def _low_params(self, spec: CollectionSpec) -> dict[str, str]:
        assert spec.summary is not None and spec.summary.below_param and spec.percentage is not None
        below = spec.percentage.spec.event_below_percent
        return {spec.summary.below_param: f"{below:g}", "sort": "date", "order": "asc"}

    def _person_facts(self, person: PersonRecord, wanted: frozenset[str], ctx: ItemContext, *,
                      deadline: float) -> list[KeyFact]:
        # Person-level facts (school, CP flag) live on the person record: one the search of this view did not
        # send (`_item_of`), e.g. a person confirmed earlier, is looked up again by the most exact key we hold.
        values = {
            "chi": person.chi or "", "forename": person.forename or "", "surname": person.surname or "",
            "birth_date": person.birth_date.isoformat() if person.birth_date else "", "postcode": "",
            **dict(person.identifiers),
        }
        template = self.people.by_chi if person.chi else next(
            (t for kind, t in self.people.by_identifier.items() if values.get(kind)), self.people.by_demographics)
        items = self._search_people(template, values, deadline=deadline)
        mine = [i for i in items if as_text(lookup(i, self.people.id_field)) == person.source_id]
        return self._facts_of(mine[:1], person, wanted, ctx)

    def _item_of(self, person: PersonRecord) -> Mapping[str, Any] | None:
        """The person item the search of this view sent with `person`, if it did (no need to ask again)."""
        item = person.source_item
        if item is None or as_text(lookup(item, self.people.id_field)) != person.source_id:
            return None
        return item

    def _facts_of(self, items: list[Mapping[str, Any]], person: PersonRecord, wanted: frozenset[str],
                  ctx: ItemContext) -> list[KeyFact]:
        facts = [f.build(item, ctx, person.source_id) for item in items for f in self.person_facts
                 if f.category in wanted]
        return [f for f in facts if f is not None]

    @unreadable_as_malformed
    def restricted_notices(self, person: PersonRecord, categories: frozenset[str], *, deadline: float
                           ) -> tuple[str, ...]:
        """Each asked-for collection's notice, from a one-item page of it (the notice comes with any page)."""
        wanted = categories & self.categories
        specs = [spec for spec in self.collections if spec.categories & wanted]
        notices: list[str] = []
        for spec in specs:
            path = spec.path.replace("{id}", quote(person.source_id, safe=""))
            body = self.get_json(path, params={self.page_size_param: "1"}, deadline=deadline,
                                 endpoint=path.split("/")[-1] or path)
            notice = body.get(self.notice_field) if isinstance(body, dict) else None
            if notice and str(notice) not in notices:
                notices.append(str(notice))
        return tuple(notices)

    def notices_on_windows(self, categories: frozenset[str]) -> frozenset[str]:
        """Categories every collection of which is a sorted window of its events: each window carries its notice."""
        wanted = categories & self.categories
        return frozenset(category for category in wanted
                         if all(spec.window and spec.event is not None and spec.event.category in wanted
                                for spec in self.collections if category in spec.categories))

    # -- windows of events (connectors.window) -----------------------------------------------------

    def event_streams(self, person: PersonRecord, categories: frozenset[str]) -> tuple[EventStream, ...]:
        """One stream per event-bearing collection asked for; a collection not marked `window` is read whole."""
        wanted = categories & self.categories
        streams: list[EventStream] = []
        asked = [spec for spec in self.collections if (spec.event is not None and spec.event.category in wanted) or (
            spec.percentage is not None and spec.percentage.category in wanted)]
        windowed = [spec for spec in asked if spec.window]
        shared = FirstWindows(self, self.together, person.source_id, windowed, self._window_params) if (
            self.together is not None and len(windowed) > 1) else None
        for spec in asked:
            if spec.window:
                streams.append(RestEventStream(self, spec, person, wanted, shared))
            else:
                streams.append(WholeListStream(spec.name, partial(self._collection_events, spec, person, wanted)))
        return tuple(streams)

    @unreadable_as_malformed
    def _collection_events(self, spec: CollectionSpec, person: PersonRecord, wanted: frozenset[str],
                           deadline: float) -> list[ChronologyEvent]:
        ctx = ItemContext(self.agency, self.display_name, self.source_system, person.source_id)
        if spec.summary is not None and spec.summary.below_param and spec.percentage is not None:
            return self._low_read(spec, person, ctx, deadline).events  # the list has only its low periods' events
        items, _notices, _dropped = self._collection_items(spec, person, deadline)
        return _map_items(spec, items, ctx, wanted)[0]

    def _window_params(self, spec: CollectionSpec, window: EventWindow) -> dict[str, str]:
        """The query a window of this list asks (the agency applies what it can: order, bounds, significance)."""
        assert spec.event is not None
        params = {"sort": "date", "order": "desc" if window.newest_first else "asc",
                  self.page_size_param: str(min(window.limit, self.page_size or MAX_WINDOW)),
                  "offset": str(window.offset)}
        if window.date_from is not None and not spec.event.spec.end_date:
            # `since` is on the start date: a period that began earlier but overlaps must still be read.
            params["since"] = window.date_from.isoformat()
        if window.date_to is not None:
            params["until"] = window.date_to.isoformat()
        if window.significant_only and spec.event.significant_field is not None:
            params["significant"] = "true"  # a constant flag is not a field the source can filter on
        return params

    @unreadable_as_malformed
    def _event_window(self, spec: CollectionSpec, person: PersonRecord, wanted: frozenset[str],
                      shared: FirstWindows | None, window: EventWindow, deadline: float) -> EventSlice:
        assert spec.event is not None
        params = self._window_params(spec, window)
        body = shared.answer(spec, window, params, deadline=deadline) if shared is not None else None
        if body is None:
            path = spec.path.replace("{id}", quote(person.source_id, safe=""))
            body = self.get_json(path, params, deadline=deadline, endpoint=spec.name)
        items = self._list_in(body, spec.list_field)
        mine = _about(spec, items, person)
        ctx = ItemContext(self.agency, self.display_name, self.source_system, person.source_id)
        events = _map_items(spec, mine, ctx, wanted)[0]
        total = body.get("total")  # `mine` drops another person's items, counted as the whole read counts them
        more = bool(body.get(self.next_field)) and bool(items)
        return EventSlice(tuple(events), total if isinstance(total, int) else None,
                          window.offset + len(items) if more else None, len(items),
                          total_is_events=spec.event.always_applies,
                          filters_applied=not window.significant_only or spec.event.spec.significant is None
                          or "significant" in params,
                          dropped_wrong_child=len(items) - len(mine), notices=self._notice_in(body))

    def _notice_in(self, body: Mapping[str, Any]) -> tuple[str, ...]:
        notice = body.get(self.notice_field)
        return (str(notice),) if notice else ()

    # -- paging ---------------------------------------------------------------------------------

    def _pages(self, path: str, params: Mapping[str, str] | None, list_field: str, *,
               deadline: float) -> Iterator[tuple[list[Mapping[str, Any]], Mapping[str, Any]]]:
        if self.page_size is not None:
            params = {**(params or {}), self.page_size_param: str(self.page_size)}
        for body in follow_pages(self, path, params, deadline=deadline, endpoint=path.split("/")[-1] or path,
                                 next_link=lambda page: page.get(self.next_field)):
            yield self._list_in(body, list_field), body

    def _list_in(self, body: Any, list_field: str) -> list[Mapping[str, Any]]:
        items = body.get(list_field) if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise MalformedResponseError(f"{self.display_name} sent an answer without the expected list")
        return items


class RestEventStream:
    """One REST collection the agency sorts and pages for the portal (`sort`, `order`, `offset`, `until`)."""

    pushed_down = True

    def __init__(self, connector: RestConnector, spec: CollectionSpec, person: PersonRecord,
                 wanted: frozenset[str], shared: FirstWindows | None = None) -> None:
        self.name = spec.name
        assert spec.event is not None
        # No flag to filter on and none that says "routine": a significant-only window asks for the whole list.
        self.all_significant = spec.event.significant_field is None and spec.event.significant_fixed is not False
        self._read = partial(connector._event_window, spec, person, wanted, shared)

    def fetch(self, window: EventWindow, *, deadline: float) -> EventSlice:
        return self._read(window, deadline)


def _about(spec: CollectionSpec, items: list[Mapping[str, Any]], person: PersonRecord) -> list[Mapping[str, Any]]:
    """The items about this person: one naming another subject is dropped (an item naming none is kept)."""
    if not spec.subject_field:
        return items
    subject = getter(spec.subject_field)
    return [i for i in items if as_text(subject(i)) in ("", person.source_id)]


def _map_items(spec: CollectionSpec, items: list[Mapping[str, Any]], ctx: ItemContext,
               wanted: frozenset[str]) -> tuple[list[ChronologyEvent], list[KeyFact]]:
    events, facts = map_items(items, ctx, wanted, id_field=spec.id_field, event=spec.event, facts=spec.facts)
    if spec.percentage is not None and spec.percentage.category in wanted:
        more_events, more_facts = spec.percentage.build(items, ctx)
        events.extend(more_events)
        facts.extend(more_facts)
    return events, facts


def _fill(template: str, values: Mapping[str, str]) -> str:
    # A parameter is sent only when every value it needs is known.
    out = template
    for key, value in values.items():
        placeholder = "{" + key + "}"
        if placeholder in out:
            if not value:
                return ""
            out = out.replace(placeholder, value)
    return out
