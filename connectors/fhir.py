"""FHIR R4 connector (health): Patient lookup, paged searches, mapping to the normalised model.

Reads only the resource types the asked-for categories need (in one FHIR batch where the
server supports it, `batch_reads`), follows Bundle
`next` links within the deadline and a page cap, never follows a link to
another host, and drops any resource that is not about the resolved Patient.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

from connectors.base import HttpConnector, HttpSettings, run_concurrently, unreadable_as_malformed
from connectors.errors import MalformedResponseError
from connectors.fhir_mapping import (
    MAPPERS,
    Mapped,
    MappingContext,
    belongs_to,
    immunisation_summary,
    map_patient_facts,
)
from connectors.http_transport import status_error
from connectors.models import ChronologyEvent, PersonQuery, PersonRecord, SourceRecords
from connectors.paging import follow_pages
from connectors.window import EventSlice, EventStream, EventWindow, WholeListStream

MAX_WINDOW = 200  # resources asked for in one search (the server may cap `_count` lower)
CHI_SYSTEM_NHS = "https://fhir.nhs.uk/Id/chi-number"
CHI_SYSTEM_OID = "urn:oid:2.16.840.1.113883.2.1.3.2.4.16.53"

# Which resource types each data category needs: nothing else is ever requested.
CATEGORY_RESOURCES: dict[str, tuple[str, ...]] = {
    "health_alerts": ("AllergyIntolerance", "Flag"),
    "health_conditions": ("Condition",),
    "immunisations": ("Immunization",),
    "health_encounters": ("Encounter",),
    "health_appointments": ("Appointment",),
    "health_plans": ("EpisodeOfCare", "CarePlan"),
    "demographics": ("Patient",),
}


# Resource types that may become chronology events (the others give key facts only).
EVENT_TYPES = ("Encounter", "Condition", "Immunization", "Appointment", "EpisodeOfCare", "CarePlan")
WINDOW_TYPES = ("Encounter", "Immunization", "Appointment", "EpisodeOfCare", "CarePlan")
PERIOD_TYPES = ("Encounter", "EpisodeOfCare", "CarePlan")  # `date` searches the start: a period may begin earlier
# Types of which only resources of these statuses become events or key facts (fhir_mapping.map_appointment: a missed
# appointment is an event, a booked one the next appointment): the others are never asked for (a long history's
# hundreds of attended appointments would be read only to be dropped).
MAPPED_STATUSES: dict[str, str] = {"Appointment": "noshow,booked,pending,proposed"}
# Of those, the statuses that become events: a window asks for these alone.
EVENT_STATUSES: dict[str, str] = {"Appointment": "noshow"}


@dataclass(frozen=True)
class FhirOptions:
    """FHIR specifics: identifier systems and page size."""

    chi_system: str = CHI_SYSTEM_NHS
    # Identifier systems read as a CHI on Patients the server returns (both URIs are in use).
    accepted_chi_systems: tuple[str, ...] = (CHI_SYSTEM_NHS, CHI_SYSTEM_OID)
    page_size: int = 100
    extra_identifier_systems: Mapping[str, str] = field(default_factory=dict)  # kind -> system, e.g. "local"
    # Types whose `date` search parameter is the date the chronology shows, so `_sort=date` orders their events.
    window_types: tuple[str, ...] = WINDOW_TYPES
    # Send a record read's searches as one FHIR `batch` Bundle (POST [base]) when the server supports it.
    batch_reads: bool = False


class FhirConnector(HttpConnector):
    """A FHIR R4 server reached over HTTP; configured, not subclassed, per health board."""

    def __init__(self, *, options: FhirOptions | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options or FhirOptions()

    # -- people ---------------------------------------------------------------------------------

    @unreadable_as_malformed
    def find_people(self, query: PersonQuery, *, deadline: float) -> list[PersonRecord]:
        if query.chi:
            params = {"identifier": f"{self.options.chi_system}|{query.chi.replace(' ', '')}"}
        else:
            params = {k: v for k, v in (
                ("family", query.surname), ("given", query.forename),
                ("birthdate", query.birth_date.isoformat() if query.birth_date else None),
            ) if v}
            if not params:
                return []
        patients = self._search("Patient", params, deadline=deadline)
        # The Patient is kept with the record: a record read in the same view takes its facts from it (no new search).
        return [replace(self._person(p), source_item=p) for p in patients
                if p.get("resourceType") == "Patient" and p.get("id")]

    def _person(self, patient: dict[str, Any]) -> PersonRecord:
        identifiers: list[tuple[str, str]] = []
        kinds = {s: k for k, s in self.options.extra_identifier_systems.items()}
        for ident in patient.get("identifier", []):
            system, value = ident.get("system"), ident.get("value")
            if not value:
                continue
            if system in self.options.accepted_chi_systems:
                identifiers.append(("chi", str(value).replace(" ", "")))
            elif system in kinds:
                identifiers.append((kinds[system], str(value)))
        names = patient.get("name", [])
        current = next((n for n in names if n.get("use") in ("official", "usual")), names[0] if names else {})
        old = tuple(n["family"] for n in names if n.get("use") in ("old", "maiden") and n.get("family"))
        birth = patient.get("birthDate")
        return PersonRecord(
            agency=self.agency,
            source_id=str(patient["id"]),
            identifiers=tuple(identifiers),
            forename=(current.get("given") or [None])[0],
            surname=current.get("family"),
            birth_date=date.fromisoformat(birth[:10]) if birth and len(birth) >= 10 else None,
            sex=patient.get("gender") if patient.get("gender") in ("male", "female") else None,
            postcode=next((a.get("postalCode") for a in patient.get("address", []) if a.get("postalCode")), None),
            previous_surnames=old,
        )

    # -- records --------------------------------------------------------------------------------

    @unreadable_as_malformed
    def fetch_records(self, person: PersonRecord, categories: frozenset[str], *, deadline: float) -> SourceRecords:
        wanted = categories & self.categories
        types = list(dict.fromkeys(t for c in sorted(wanted) for t in CATEGORY_RESOURCES.get(c, ())))
        patient = self._patient_of(person) if "Patient" in types else None
        if patient is not None:
            types.remove("Patient")
        if self.options.batch_reads and len(types) > 1:
            # One round trip for every search: far less work for both ends than one request per type.
            found = self._batch_search([(t, self._search_params(t, person.source_id)) for t in types], deadline)
        else:
            # One search per resource type, sent at once: the view waits for the slowest, not the sum.
            found = run_concurrently([partial(self._resources_of, t, person.source_id, deadline) for t in types],
                                     max_workers=self.http.parallel_requests,
                                     executor=self.executor)
        ctx = MappingContext(self.agency, self.source_system, person.source_id)
        out = Mapped(events=[], facts=[])
        dropped = 0
        if patient is not None:
            types, found = ["Patient", *types], [[patient], *found]
        for resource_type, resources in zip(types, found, strict=True):
            for resource in resources:
                if resource.get("resourceType") != resource_type:
                    continue  # e.g. an OperationOutcome carrying search warnings
                if resource_type == "Patient":
                    if resource.get("id") != person.source_id:
                        dropped += 1
                        continue
                    out.facts.extend(map_patient_facts(ctx, resource))
                elif not belongs_to(resource, person.source_id):
                    dropped += 1
                else:
                    MAPPERS[resource_type](ctx, resource, out)
        if "immunisations" in wanted:
            summary = immunisation_summary(ctx, out.events)
            if summary is not None:
                out.facts.append(summary)
        return SourceRecords(events=tuple(out.events), facts=tuple(out.facts), dropped_wrong_child=dropped)

    @staticmethod
    def _patient_of(person: PersonRecord) -> dict[str, Any] | None:
        """The Patient resource the search of this view sent with `person`, if it did and it is this Patient."""
        item = person.source_item
        if not isinstance(item, dict) or item.get("resourceType") != "Patient" or item.get("id") != person.source_id:
            return None
        return item

    def restricted_notices(self, person: PersonRecord, categories: frozenset[str], *, deadline: float
                           ) -> tuple[str, ...]:
        """A FHIR server withholds without saying so: it sends no notices, so there is nothing to ask."""
        return ()

    def _resources_of(self, resource_type: str, patient_id: str, deadline: float) -> list[dict[str, Any]]:
        return self._search(resource_type, self._search_params(resource_type, patient_id), deadline=deadline)

    def _search_params(self, resource_type: str, patient_id: str) -> dict[str, str]:
        if resource_type == "Patient":
            return {"_id": patient_id}
        mapped = {"status": MAPPED_STATUSES[resource_type]} if resource_type in MAPPED_STATUSES else {}
        return {"patient": patient_id, **mapped, "_count": str(self.options.page_size)}

    def _batch_search(self, searches: list[tuple[str, dict[str, str]]], deadline: float) -> list[list[dict[str, Any]]]:
        """Every resource of each search, the first pages read in one batch; later pages by GET as usual.

        An entry the server answered with an error fails the read as that status would for a lone search.
        """
        batch = {"resourceType": "Bundle", "type": "batch", "entry": [
            {"request": {"method": "GET", "url": f"{resource_type}?{urlencode(params)}"}}
            for resource_type, params in searches]}
        answer = self.post_read_json(self.http.base_url, batch, deadline=deadline, endpoint="batch",
                                     content_type="application/fhir+json")
        entries = answer.get("entry") if isinstance(answer, dict) else None
        if (not isinstance(answer, dict) or answer.get("type") != "batch-response" or not isinstance(entries, list)
                or len(entries) != len(searches)):
            raise MalformedResponseError(f"{self.display_name} answered a batch without one entry per search")
        found = []
        for (resource_type, _params), entry in zip(searches, entries, strict=True):
            status = str((entry.get("response") or {}).get("status", "")).split(" ")[0]
            if not status.isdigit():
                raise MalformedResponseError(f"{self.display_name} answered a batch entry without a status")
            if int(status) >= 300:
                raise status_error(self.display_name, int(status))
            pages = follow_pages(self, resource_type, None, deadline=deadline, endpoint=f"{resource_type} search",
                                 next_link=_next_link, first=self._bundle(entry.get("resource")))
            found.append([resource for page in pages for resource in _resources_in(self._bundle(page))])
        return found

    # -- windows of events (connectors.window) -----------------------------------------------------

    def event_streams(self, person: PersonRecord, categories: frozenset[str]) -> tuple[EventStream, ...]:
        """One stream per event-bearing resource type asked for: `_sort`/`_count` where the date is the event's."""
        wanted = categories & self.categories
        types = dict.fromkeys(t for c in sorted(wanted) for t in CATEGORY_RESOURCES.get(c, ()) if t in EVENT_TYPES)
        streams: list[EventStream] = []
        for resource_type in types:
            if resource_type in self.options.window_types:
                streams.append(FhirEventStream(self, resource_type, person))
            else:
                streams.append(WholeListStream(resource_type, partial(self._type_events, resource_type, person)))
        return tuple(streams)

    @unreadable_as_malformed
    def _type_events(self, resource_type: str, person: PersonRecord, deadline: float) -> list[ChronologyEvent]:
        return self._events_of(resource_type, person, self._resources_of(resource_type, person.source_id, deadline))

    @unreadable_as_malformed
    def _event_window(self, resource_type: str, person: PersonRecord, window: EventWindow,
                      deadline: float) -> EventSlice:
        count = min(window.limit, MAX_WINDOW)
        base = {"patient": person.source_id, "_sort": "-date" if window.newest_first else "date",
                "_count": str(count), "_getpagesoffset": str(window.offset)}
        dates = []  # FHIR repeats `date` for AND: on or after the first day, before the day after the last
        if window.date_from is not None and resource_type not in PERIOD_TYPES:
            dates.append(f"ge{window.date_from.isoformat()}")
        if window.date_to is not None:
            dates.append(f"lt{(window.date_to + timedelta(days=1)).isoformat()}")
        params: dict[str, str | list[str]] = {**base, **({"date": dates} if dates else {})}
        if resource_type in EVENT_STATUSES:
            params["status"] = EVENT_STATUSES[resource_type]
        bundle = self._bundle(self.get_json(resource_type, params, deadline=deadline,
                                            endpoint=f"{resource_type} search"))
        resources = list(_resources_in(bundle))
        matches = [r for r in resources if r.get("resourceType") == resource_type]
        more = any(link.get("relation") == "next" for link in bundle.get("link", [])) and bool(matches)
        total = bundle.get("total")
        foreign = sum(1 for r in matches if not belongs_to(r, person.source_id))
        return EventSlice(tuple(self._events_of(resource_type, person, matches)),
                          total if isinstance(total, int) else None,
                          window.offset + len(matches) if more else None, len(resources),
                          # Cancelled or undated resources are counted but not shown; significance is read here.
                          total_is_events=False, filters_applied=not window.significant_only,
                          dropped_wrong_child=foreign)

    def _events_of(self, resource_type: str, person: PersonRecord,
                   resources: list[dict[str, Any]]) -> list[ChronologyEvent]:
        ctx = MappingContext(self.agency, self.source_system, person.source_id)
        out = Mapped(events=[], facts=[])
        for resource in resources:
            if resource.get("resourceType") == resource_type and belongs_to(resource, person.source_id):
                MAPPERS[resource_type](ctx, resource, out)
        return out.events

    # -- paging ---------------------------------------------------------------------------------

    def _search(self, resource_type: str, params: Mapping[str, str], *, deadline: float) -> list[dict[str, Any]]:
        return list(self._iter_search(resource_type, params, deadline=deadline))

    def _iter_search(
        self, resource_type: str, params: Mapping[str, str], *, deadline: float
    ) -> Iterator[dict[str, Any]]:
        for bundle in follow_pages(self, resource_type, params, deadline=deadline, endpoint=f"{resource_type} search",
                                   next_link=_next_link):
            yield from _resources_in(self._bundle(bundle))

    def _bundle(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
            raise MalformedResponseError(f"{self.display_name} answered a search without a FHIR Bundle")
        return body


class FhirEventStream:
    """One resource type searched with `_sort=-date|date`, `_count` and `_getpagesoffset`; `Bundle.total` counts."""

    pushed_down = True

    def __init__(self, connector: FhirConnector, resource_type: str, person: PersonRecord) -> None:
        self.name = resource_type
        self._read = partial(connector._event_window, resource_type, person)

    def fetch(self, window: EventWindow, *, deadline: float) -> EventSlice:
        return self._read(window, deadline)


def _resources_in(bundle: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            yield resource


def _next_link(bundle: dict[str, Any]) -> str | None:
    return next((link.get("url") for link in bundle.get("link", []) if link.get("relation") == "next"), None)


__all__ = ["CATEGORY_RESOURCES", "CHI_SYSTEM_NHS", "CHI_SYSTEM_OID", "FhirConnector", "FhirOptions", "HttpSettings"]
