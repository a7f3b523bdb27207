"""The child's Key Information Summary (KIS), built in memory from key facts and source statuses.

Every field says where each value came from and when. A field is never blank:
if the agency that would supply it did not answer, the field says so ("Education
did not respond", "withheld by agreement", "no record held"). Values from two
agencies that disagree are both shown and marked as conflicting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from connectors.models import ChronologyEvent, KeyFact, SourceResult, SourceState, SourceStatus
from portal.record.merge import format_date, format_event_date

__all__ = [
    "FIELDS",
    "FieldSpec",
    "FieldValue",
    "KeyInformationSummary",
    "SummaryField",
    "agency_label",
    "build_summary",
    "derived_facts",
    "police_concerns_fact",
    "reporter_fact",
    "summarise_sources",
]


@dataclass(frozen=True)
class FieldSpec:
    """One KIS field: its key (KeyFact.field), label, and the (domain, data category) pairs that supply it.

    Sources name domains, not agencies: every configured agency of that domain (two councils'
    education services, say) may supply the field, and agreeing values are shown once.
    """

    key: str
    label: str
    sources: tuple[tuple[str, str], ...]
    multiple: bool = False  # several values are normal (allergies, contacts), so never a conflict


_ID = (("health", "demographics"), ("education", "enrolment"), ("social_work", "sw_allocation"))

# The field list is data: adding a KIS field is one line here (DOMAIN.md §3). Each names the domains
# (connectors.agencies.DOMAINS) whose agencies can supply it. Keys are the
# KeyFact.field values connectors emit (config/connectors.toml, connectors/fhir_mapping.py);
# name, date of birth, CHI, postcode, recent police concerns and SCRA status are derived here.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "Name", _ID),
    FieldSpec("birth_date", "Date of birth", _ID),
    FieldSpec("chi", "CHI number", _ID),
    FieldSpec("address", "Address", (("health", "demographics"), ("social_work", "sw_allocation"))),
    FieldSpec("gp_practice", "GP practice", (("health", "demographics"),)),
    FieldSpec("school", "School and stage", (("education", "enrolment"),)),
    FieldSpec("attendance", "Attendance", (("education", "attendance"),)),
    FieldSpec("named_person", "Named person", (("education", "enrolment"), ("health", "health_plans"))),
    FieldSpec("health_visitor", "Health visitor", (("health", "health_plans"),)),
    FieldSpec("lead_professional", "Lead professional", (("social_work", "sw_allocation"),)),
    FieldSpec("social_worker", "Allocated social worker", (("social_work", "sw_allocation"),)),
    FieldSpec("childs_plan", "Child's plan and next review", (("social_work", "childs_plan"),)),
    FieldSpec("cp_register", "Child protection register and areas of concern", (("social_work", "cp_register"),)),
    FieldSpec("looked_after", "Looked-after status and legal basis", (("social_work", "looked_after"),)),
    FieldSpec("scra_status", "Children's Reporter: latest", (("scra", "scra_referrals"), ("scra", "scra_hearings"))),
    FieldSpec("scra_order", "Compulsory supervision order and conditions", (("scra", "scra_orders"),), True),
    FieldSpec("police_cp_flag", "Police child protection flag", (("police", "police_cp_flag"),)),
    FieldSpec("police_concerns_recent", "Police concern reports, last 12 months", (("police", "police_concerns"),)),
    FieldSpec("allergies", "Allergies and adverse reactions", (("health", "health_alerts"),), multiple=True),
    FieldSpec("health_alerts", "Health alerts", (("health", "health_alerts"),), multiple=True),
    FieldSpec("conditions", "Key conditions", (("health", "health_conditions"),), multiple=True),
    FieldSpec("immunisations", "Immunisation status", (("health", "immunisations"),)),
    FieldSpec("next_appointment", "Next health appointment", (("health", "health_appointments"),), multiple=True),
    FieldSpec("care_plans", "Health care plans", (("health", "health_plans"),), multiple=True),
    FieldSpec("asn", "Additional support needs and plan", (("education", "asn"),)),
    FieldSpec("family_contacts", "Key contacts", (("social_work", "family_contacts"),), multiple=True),
    FieldSpec("do_not_inform", "People not to be given information", (("social_work", "family_contacts"),), True),
)


@dataclass(frozen=True)
class FieldValue:
    """One agency's value for a field, with its provenance."""

    value: str
    agency: str
    agency_name: str
    source_system: str
    as_of: datetime | None
    security_label: str
    source_record_id: str | None = None
    category: str = ""  # the data category it was shared under ("" for identity details derived from a record)


@dataclass(frozen=True)
class SummaryField:
    """A KIS field as the page shows it: values, whether they conflict, and what could not be seen."""

    key: str
    label: str
    values: tuple[FieldValue, ...]
    conflicting: bool
    gaps: tuple[str, ...]  # e.g. "Education did not respond"

    @property
    def empty_text(self) -> str:
        """What to show instead of a blank when there are no values."""
        if self.values:
            return ""
        return "; ".join(self.gaps) or "No source configured for this field"


@dataclass(frozen=True)
class KeyInformationSummary:
    fields: tuple[SummaryField, ...]
    unlisted: tuple[KeyFact, ...] = ()  # facts for fields not in FIELDS: kept, never silently lost

    def field(self, key: str) -> SummaryField:
        return next(f for f in self.fields if f.key == key)


def agency_label(agency: str, names: Mapping[str, str] | None = None) -> str:
    """The agency's display name, falling back to its key made readable ('social_work' → 'Social work')."""
    return (names or {}).get(agency) or agency.replace("_", " ").capitalize()


def build_summary(
    facts: Iterable[KeyFact],
    statuses: Iterable[SourceStatus],
    *,
    agency_names: Mapping[str, str] | None = None,
    fields: Sequence[FieldSpec] = FIELDS,
    domains: Mapping[str, str] | None = None,
) -> KeyInformationSummary:
    """Build the KIS from every source's key facts and the status of every source.

    `domains` maps agency key → domain (connectors.agencies); an agency it does not name is its own domain.
    """
    by_agency = {status.agency: status for status in statuses}
    by_field: dict[str, list[KeyFact]] = {}
    for fact in facts:
        by_field.setdefault(fact.field, []).append(fact)
    answered = _Answered(by_agency, agency_names, domains or {})
    built = tuple(_build_field(spec, by_field.pop(spec.key, []), answered) for spec in fields)
    unlisted = tuple(fact for group in by_field.values() for fact in group)
    return KeyInformationSummary(built, unlisted)


def summarise_sources(
    results: Sequence[SourceResult],
    *,
    agency_names: Mapping[str, str] | None = None,
    now: datetime | None = None,
    domains: Mapping[str, str] | None = None,
) -> KeyInformationSummary:
    """The KIS straight from federation results: connectors' key facts plus facts derived from
    the linked person records (name, date of birth, CHI) and from events (recent police
    concerns, the Reporter's latest referral or hearing)."""
    now = now or datetime.now(UTC)
    names = dict(agency_names or {})
    domain_map = dict(domains or {})
    for result in results:
        display = getattr(result, "display_name", "")
        if display:
            names.setdefault(result.agency, display)
        domain_map.setdefault(result.agency, result_domain(result))
    facts = [fact for result in results for fact in result.records.facts]
    facts += derived_facts(results, now)
    return build_summary(facts, [result.status for result in results], agency_names=names, domains=domain_map)


def result_domain(result: SourceResult) -> str:
    """The domain an answer came from (federation's GatheredSource carries it); else the agency is its own."""
    return getattr(result, "domain", "") or result.agency


class _Answered:
    """The statuses of one summary, and each agency's domain and name, worked out once for all its fields."""

    def __init__(self, statuses: Mapping[str, SourceStatus], names: Mapping[str, str] | None,
                 domains: Mapping[str, str]) -> None:
        self.statuses = statuses
        self.names = names
        self.domain_of = {agency: domains.get(agency) or agency for agency in statuses}  # unnamed: its own domain
        self.domains = domains
        self.in_domain: dict[str, list[str]] = {}  # domain → its agencies, in the statuses' order
        for agency, domain in self.domain_of.items():
            self.in_domain.setdefault(domain, []).append(agency)
        self._labels: dict[str, str] = {}

    def domain(self, agency: str) -> str:
        found = self.domain_of.get(agency)
        return found if found is not None else (self.domains.get(agency) or agency)

    def label(self, agency: str) -> str:
        found = self._labels.get(agency)
        if found is None:
            found = self._labels[agency] = agency_label(agency, self.names)
        return found


POLICE_CONCERN_WINDOW = timedelta(days=365)
REPORTER_CATEGORIES = frozenset({"scra_referrals", "scra_hearings"})
# Facts derived from events (above): a view that does not read every event reads these in small windows.
EVENT_FACT_CATEGORIES = frozenset({"police_concerns"}) | REPORTER_CATEGORIES
# The categories that supply the KIS from connectors' own key facts (a summary read asks only for these).
SUMMARY_CATEGORIES = frozenset(category for spec in FIELDS for _, category in spec.sources) - EVENT_FACT_CATEGORIES


def derived_facts(results: Sequence[SourceResult], now: datetime, *, from_events: bool = True) -> list[KeyFact]:
    """Key facts no connector states but its answer shows. Only from sources that answered.

    `from_events=False`: identity facts only (the answers hold no events; the caller reads those facts in windows).
    """
    derived: list[KeyFact] = []
    for result in results:
        if result.status.state != SourceState.ANSWERED:
            continue
        system = source_system(result)
        derived += _identity_facts(result, system)
        if from_events:
            derived += _police_concern_facts(result, system, now)
            derived += _reporter_facts(result, system)
    return derived


def source_system(result: SourceResult) -> str:
    return getattr(result, "source_system", "") or agency_label(result.agency)


def gives_police_concerns(result: SourceResult) -> bool:
    """Does this answer supply "police concerns in the last year" (a police source not withholding them)?"""
    return result_domain(result) == "police" and "police_concerns" not in result.status.withheld_categories


def _identity_facts(result: SourceResult, system: str) -> list[KeyFact]:
    facts: list[KeyFact] = []
    for person in result.people:
        name = " ".join(part for part in (person.forename, person.surname) if part)
        values = {
            "name": name,
            "birth_date": format_date(person.birth_date) if person.birth_date else "",
            "chi": person.chi or "",
        }
        facts += [
            KeyFact(key, value, result.agency, system, source_record_id=person.source_id)
            for key, value in values.items()
            if value
        ]
    return facts


def police_concerns_since(now: datetime) -> date:
    return (now - POLICE_CONCERN_WINDOW).date()


def _police_concern_facts(result: SourceResult, system: str, now: datetime) -> list[KeyFact]:
    if not gives_police_concerns(result):
        return []
    since = police_concerns_since(now)
    recent = [e.event_date for e in result.records.events if e.category == "police_concerns" and e.event_date >= since]
    return [police_concerns_fact(result.agency, system, now, len(recent), max(recent, default=None))]


def police_concerns_fact(agency: str, system: str, now: datetime, count: int, latest: date | None) -> KeyFact:
    """The last year's police concerns in words: "N reports, latest D", or "None"."""
    if not count or latest is None:
        value = "None"
    else:
        noun = "report" if count == 1 else "reports"
        value = f"{count} {noun}, latest {format_date(latest)}"
    return KeyFact("police_concerns_recent", value, agency, system, as_of=now, category="police_concerns")


def latest_reporter_event(events: Iterable[ChronologyEvent]) -> ChronologyEvent | None:
    """The Reporter's latest referral or hearing: the newest day, the highest sequence on it (first listed wins)."""
    relevant = [e for e in events if e.category in REPORTER_CATEGORIES]
    return max(relevant, key=lambda e: (e.event_date, e.sequence)) if relevant else None


def _reporter_facts(result: SourceResult, system: str) -> list[KeyFact]:
    if result_domain(result) != "scra":
        return []
    latest = latest_reporter_event(result.records.events)
    return [] if latest is None else [reporter_fact(result.agency, system, latest)]


def reporter_fact(agency: str, system: str, latest: ChronologyEvent) -> KeyFact:
    value = f"{latest.title} ({format_event_date(latest)})"
    return KeyFact(
        "scra_status",
        value,
        agency,
        system,
        category=latest.category,
        security_label=latest.security_label,
        source_record_id=latest.source_record_id,
    )


def _build_field(spec: FieldSpec, facts: list[KeyFact], answered: _Answered) -> SummaryField:
    if len(facts) > 1:
        domain_rank: dict[str, int] = {}
        for domain, _ in spec.sources:
            domain_rank.setdefault(domain, len(domain_rank))
        last = len(domain_rank)
        facts = sorted(facts, key=lambda f: (domain_rank.get(answered.domain(f.agency), last),
                                             -(f.as_of.timestamp() if f.as_of else 0)))
    label = answered.label
    values = tuple(FieldValue(f.value, f.agency, label(f.agency), f.source_system, f.as_of, f.security_label,
                              f.source_record_id, f.category) for f in facts)
    # One value cannot disagree with itself: only several are compared.
    conflicting = not spec.multiple and len(values) > 1 and len({_normalise(v.value) for v in values}) > 1
    return SummaryField(spec.key, spec.label, values, conflicting, _gaps(spec, values, answered))


_SPACES = re.compile(r"\s+")


def _normalise(value: str) -> str:
    return _SPACES.sub(" ", value).strip().casefold()


def _gaps(spec: FieldSpec, values: tuple[FieldValue, ...], answered: _Answered) -> tuple[str, ...]:
    """Why agencies that would supply this field are not in it. Quiet answers matter only when nothing came."""
    supplied = {v.agency for v in values}
    statuses, in_domain = answered.statuses, answered.in_domain
    gaps: list[str] = []
    # Every answering agency of each domain the field names, domains in the field's order.
    for domain, category in dict.fromkeys(spec.sources):
        for agency in in_domain.get(domain, ()):
            if agency in supplied:
                continue
            status = statuses[agency]
            name = answered.label(agency)
            if status.state == SourceState.TIMED_OUT:
                gaps.append(f"{name} did not respond")
            elif status.state == SourceState.FAILED:
                gaps.append(f"{name} could not be read" + (f": {status.reason}" if status.reason else ""))
            elif status.state == SourceState.WITHHELD or category in status.withheld_categories:
                gaps.append(f"{name}: withheld by agreement")
            elif values:
                continue
            elif status.state == SourceState.NO_RECORD:
                gaps.append(f"{name}: no record held")
            elif status.state == SourceState.WRONG_PERSON:
                gaps.append(f"{name}: answered only with another person's records")
            else:
                gaps.append(f"{name}: none recorded")
    return tuple(dict.fromkeys(gaps))
