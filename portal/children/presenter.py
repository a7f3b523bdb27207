"""Turn query-string filters into a ChronologyFilter, and a ChildRecord into what the templates draw."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from werkzeug.datastructures import MultiDict

from connectors.models import SHANARRI
from portal.children.service import ChildRecord
from portal.chronology import ChronologyFilter, ChronologyView, build_chronology, filter_events
from portal.timeline import Timeline, build_timeline

PAGE_SIZE = 50


@dataclass(frozen=True)
class ChronologyParams:
    """The chronology controls as the practitioner set them (all optional, all in the query string)."""

    criteria: ChronologyFilter
    newest_first: bool = True
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, object] = field(default_factory=dict)


def parse_params(args: MultiDict[str, str], known_agencies: set[str]) -> ChronologyParams:
    errors: dict[str, str] = {}
    agencies = frozenset(a for a in args.getlist("agency") if a in known_agencies)
    shanarri = frozenset(s for s in args.getlist("shanarri") if s in SHANARRI)
    date_from = _date(args.get("from", ""), "from", "Start date", errors)
    date_to = _date(args.get("to", ""), "to", "End date", errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = "End date must be the same as or after the start date"
    text = args.get("q", "").strip()[:100]
    show_all = args.get("show") == "all"
    page = int(args.get("page", "1")) if args.get("page", "1").isdigit() else 1
    criteria = ChronologyFilter(agencies, shanarri, date_from, date_to, not show_all, text)
    raw = {"agency": sorted(agencies), "shanarri": sorted(shanarri), "from": args.get("from", ""),
           "to": args.get("to", ""), "q": text, "show": "all" if show_all else "significant",
           "order": "oldest" if args.get("order") == "oldest" else "newest"}
    return ChronologyParams(criteria, raw["order"] == "newest", max(1, page), errors, raw)


def _date(value: str, key: str, label: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[key] = f"{label} must be a real date, like 2024-03-27"
        return None


def chronology_for(record: ChildRecord, params: ChronologyParams, page_size: int = PAGE_SIZE) -> ChronologyView:
    return build_chronology([record.events], params.criteria, newest_first=params.newest_first,
                            page=params.page, page_size=page_size)


def timeline_for(record: ChildRecord, params: ChronologyParams) -> Timeline:
    """The timeline of the filtered events (the date range zooms it), one lane per configured agency."""
    filtered = filter_events(record.events, params.criteria)
    lanes = [(source.agency, record.agency_names.get(source.agency, source.agency)) for source in record.sources]
    return build_timeline(filtered, lanes, start=params.criteria.date_from, end=params.criteria.date_to)


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
    sources: tuple[object, ...]  # summary.FieldValue, in the field's source order

    @property
    def shared_under(self) -> object | None:
        """A source value that came under an agreement category (what "Why can I see this?" explains)."""
        return next((s for s in self.sources if getattr(s, "category", "")), None)

    @property
    def restricted(self) -> bool:
        return any(getattr(source, "security_label", "N") == "R" for source in self.sources)


def agreed_values(values: tuple[object, ...]) -> list[AgreedValue]:
    grouped: dict[str, list[object]] = {}
    shown: dict[str, str] = {}
    for value in values:
        key = " ".join(str(getattr(value, "value", "")).split()).casefold()
        grouped.setdefault(key, []).append(value)
        shown.setdefault(key, str(getattr(value, "value", "")))
    return [AgreedValue(shown[key], tuple(group)) for key, group in grouped.items()]
