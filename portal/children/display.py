"""Turn query-string filters into a ChronologyFilter, and a ChildRecord into what the templates draw."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from werkzeug.datastructures import MultiDict

from connectors.models import SHANARRI, ChronologyEvent
from portal.children.assemble import ChildRecord
from portal.children.first_screen import missing_answers
from portal.inputs import InvalidInput, date_from_parts, iso_date, page_number
from portal.labels import label, long_date
from portal.record.merge import ChronologyFilter, ChronologyView, build_chronology, filter_events
from portal.record.plot_timeline import Timeline, build_timeline
from portal.record.summarise import FieldValue

PAGE_SIZE = 50
MAX_WORDS_CHARS = 100  # the words a chronology is filtered by
WORDS_REF = "words"  # an address's name for the words' opaque reference (portal.children.filter_address)


@dataclass(frozen=True)
class ChronologyParams:
    """The chronology controls as the practitioner set them (all optional, all in the query string)."""

    criteria: ChronologyFilter
    newest_first: bool = True
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, object] = field(default_factory=dict)  # canonical query pairs (dates as ISO), for links
    typed: dict[str, str] = field(default_factory=dict)  # the day/month/year boxes as typed, to show again
    words_ref: str = ""  # the opaque reference an address carries for the words (`raw["q"]`), never the words

    @property
    def address(self) -> dict[str, object]:
        """The controls as an address carries them: the words only as their reference. `raw` (in clear) is what
        the audit entry records; nothing else may put it in a URL."""
        pairs = {key: value for key, value in self.raw.items() if key != "q"}
        return {**pairs, WORDS_REF: self.words_ref} if self.raw.get("q") and self.words_ref else pairs


DATE_FIELDS = (("from", "Start date"), ("to", "End date"))


def parse_params(args: MultiDict[str, str], known_agencies: set[str]) -> ChronologyParams:
    """The controls from `args`; a request's come through `filter_address.from_address` (the words unwrapped)."""
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    agencies = frozenset(a for a in args.getlist("agency") if a in known_agencies)
    shanarri = frozenset(s for s in args.getlist("shanarri") if s in SHANARRI)
    dates = {key: _date(args, key, label, errors, typed) for key, label in DATE_FIELDS}
    date_from, date_to = dates["from"], dates["to"]
    if date_from and date_to and date_from > date_to:
        errors["to-day"] = "End date must be the same as or after the start date"
    text = args.get("q", "").strip()[:MAX_WORDS_CHARS]
    show_all = args.get("show") == "all"
    try:
        page = page_number(args.get("page"))
    except InvalidInput as error:
        errors["page"], page = str(error), 1
    criteria = ChronologyFilter(agencies, shanarri, date_from, date_to, not show_all, text)
    raw: dict[str, object] = {"agency": sorted(agencies), "shanarri": sorted(shanarri),
           "from": date_from.isoformat() if date_from else "", "to": date_to.isoformat() if date_to else "",
           "q": text, "show": "all" if show_all else "significant",
           "order": "oldest" if args.get("order") == "oldest" else "newest"}
    words_ref = args.get(WORDS_REF, "") if text else ""  # set only by filter_address, once it read the reference
    return ChronologyParams(criteria, raw["order"] == "newest", max(1, page), errors, raw, typed, words_ref)


def _date(args: MultiDict[str, str], key: str, label: str, errors: dict[str, str], typed: dict[str, str]
          ) -> date | None:
    """A date from GOV.UK day/month/year boxes (`from-day` …), or from a link's ISO value (`from=2024-03-27`).

    Strict (portal.inputs): a missing part, a part that is not an ASCII number, a date that does not
    exist or lies outside the years a record can hold is a GOV.UK error on the day box, never a 500.
    """
    parts = {part: args.get(f"{key}-{part}", "").strip() for part in ("day", "month", "year")}
    if not any(parts.values()):
        iso = args.get(key, "").strip()
        if not iso:
            return None
        try:
            value = iso_date(iso, label)
        except InvalidInput as error:
            errors[f"{key}-day"] = str(error)
            return None
        typed.update({f"{key}-day": str(value.day), f"{key}-month": str(value.month), f"{key}-year": str(value.year)})
        return value
    typed.update({f"{key}-{part}": value[:10] for part, value in parts.items()})
    missing = [part for part, value in parts.items() if not value]
    if missing:
        errors[f"{key}-day"] = f"{label} must include a {' and '.join(missing)}"
        return None
    try:
        return date_from_parts(parts["day"], parts["month"], parts["year"], label)
    except InvalidInput as error:
        errors[f"{key}-day"] = str(error)
        return None


def chronology_for(record: ChildRecord, params: ChronologyParams, page_size: int = PAGE_SIZE) -> ChronologyView:
    return build_chronology([record.events], params.criteria, newest_first=params.newest_first,
                            page=params.page, page_size=page_size)


def timeline_for(record: ChildRecord, params: ChronologyParams) -> Timeline:
    """The timeline of the filtered events (the date range zooms it), one lane per configured agency."""
    return timeline_of(record, filter_events(record.events, params.criteria), params)


def timeline_of(record: ChildRecord, events: Sequence[ChronologyEvent], params: ChronologyParams) -> Timeline:
    """The timeline of these (already filtered) events, one lane per configured agency."""
    lanes = [(source.agency, record.agency_names.get(source.agency, source.agency)) for source in record.sources]
    return build_timeline(events, lanes, start=params.criteria.date_from, end=params.criteria.date_to,
                          gaps=missing_answers(record), lane_name=lambda agency: label(agency, "agency"))


def query_string(raw: Mapping[str, object], **changes: object) -> list[tuple[str, str]]:
    """The current controls as query pairs, with `changes` applied (e.g. page=3)."""
    merged = {**raw, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if isinstance(value, list | tuple):
            pairs += [(key, str(v)) for v in value]
        elif value not in ("", None):
            pairs.append((key, str(value)))
    return pairs


@dataclass(frozen=True)
class AgreedValue:
    """One KIS value and every agency that states it (agreement is shown once, with all its sources)."""

    value: str
    sources: tuple[FieldValue, ...]  # in the field's source order

    @property
    def shared_under(self) -> FieldValue | None:
        """A source value that came under an agreement category (what "Why can I see this?" explains)."""
        return next((s for s in self.sources if s.category), None)

    @property
    def restricted(self) -> bool:
        return any(getattr(source, "security_label", "N") == "R" for source in self.sources)


def agreed_values(values: tuple[FieldValue, ...]) -> list[AgreedValue]:
    grouped: dict[str, list[FieldValue]] = {}
    shown: dict[str, str] = {}
    for value in values:
        key = " ".join(value.value.split()).casefold()
        grouped.setdefault(key, []).append(value)
        shown.setdefault(key, value.value)
    return [AgreedValue(shown[key], tuple(group)) for key, group in grouped.items()]


PRINT_SECTIONS = ("kis", "timeline", "chronology")


def print_sections(args: Mapping[str, str] | MultiDict[str, str]) -> tuple[str, ...]:
    """The sections a printout holds: those ticked, or all three when none was chosen."""
    chosen = args.getlist("section") if isinstance(args, MultiDict) else []
    picked = tuple(section for section in PRINT_SECTIONS if section in chosen)
    return picked or PRINT_SECTIONS


def filter_words(params: ChronologyParams) -> str:
    """The chronology filters in words, so a printout says what it leaves out."""
    criteria = params.criteria
    parts = ["Significant events only" if criteria.significant_only else "All events"]
    if criteria.agencies:
        parts.append("from " + ", ".join(label(a, "agency") for a in sorted(criteria.agencies)))
    if criteria.shanarri:
        parts.append("about " + ", ".join(sorted(s.capitalize() for s in criteria.shanarri)))
    if criteria.date_from:
        parts.append(f"from {long_date(criteria.date_from)}")
    if criteria.date_to:
        parts.append(f"to {long_date(criteria.date_to)}")
    if criteria.text:
        parts.append(f"containing “{criteria.text}”")
    return "Filters: " + "; ".join(parts) + "."
