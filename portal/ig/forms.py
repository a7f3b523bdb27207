"""Reading and checking the IG workspace's GET forms: each returns clean filters plus errors by field id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from portal.audit.models import EventType
from portal.ig.flags import UK
from portal.inputs import InvalidInput, date_from_parts, page_number
from portal.record.identify import validate_chi

PAGE_SIZE = 25
MAX_TEXT_CHARS = 100  # a user id, organisation or CHI typed into a search
EVENT_TYPE_LABELS: dict[str, str] = {
    EventType.SEARCH.value: "Search result",
    EventType.VIEW_CHILD.value: "View of a child",
    EventType.CHRONOLOGY_PAGE.value: "Chronology page",
    EventType.PRINT.value: "Print",
    EventType.BREAK_GLASS_START.value: "Break-glass started",
    EventType.BREAK_GLASS_END.value: "Break-glass ended",
    EventType.BREAK_GLASS_REVIEW.value: "Break-glass reviewed",
    EventType.REFUSED.value: "Access refused",
    EventType.IDENTITY_CONFIRM.value: "Identity match confirmed",
    EventType.IDENTITY_REJECT.value: "Identity match rejected",
    EventType.SIGN_IN.value: "Sign in",
    EventType.SIGN_OUT.value: "Sign out",
    EventType.SIGN_IN_FAILED.value: "Failed sign in",
    EventType.AUDIT_READ.value: "Audit trail read",
    EventType.AUDIT_EXPORT.value: "Audit trail export",
    EventType.RELATIONSHIP_CHANGE.value: "Relationship changed",
    EventType.MEETING_START.value: "Meeting started",
    EventType.MEETING_PRESENCE.value: "Meeting: family presence changed",
    EventType.MEETING_REVEAL.value: "Meeting: withheld item revealed",
    EventType.MEETING_END.value: "Meeting ended",
    EventType.ACCOUNT_CHANGE.value: "Account disabled or enabled",
    EventType.SESSIONS_ENDED.value: "Sessions ended",
}


@dataclass
class TrailSearch:
    """A checked search of the trail: `filters` are keyword arguments for `search_entries`."""

    values: dict[str, str] = field(default_factory=dict)  # what was typed, to redisplay
    filters: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    page: int = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE


def read_chi(raw: str | None, field_id: str, errors: dict[str, str], *, required: bool = False) -> str | None:
    """A valid CHI, or None (recording why under `field_id` when something was typed or it is required)."""
    if not (raw or "").strip():
        if required:
            errors[field_id] = "Enter the child's CHI number"
        return None
    check = validate_chi(raw)
    if check.value is None:
        errors[field_id] = f"Enter a valid CHI number: {check.reason}"
    return check.value


def read_date(args: Mapping[str, str], prefix: str, label: str, errors: dict[str, str]) -> date | None:
    """A GOV.UK date input (`prefix-day`, `-month`, `-year`); None when left blank."""
    parts = [(args.get(f"{prefix}-{part}") or "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    missing = [name for name, value in zip(("day", "month", "year"), parts, strict=True) if not value]
    if missing:
        errors[f"{prefix}-{missing[0]}"] = f"{label} must include a {missing[0]}"
        return None
    try:
        day, month, year = parts
        return date_from_parts(day, month, year, label=label)
    except InvalidInput as error:
        errors[f"{prefix}-day"] = str(error)
        return None


def uk_midnight(day: date) -> datetime:
    """The start of a UK calendar day as a UTC instant (the trail stores UTC)."""
    return datetime.combine(day, time(0, 0), tzinfo=UK).astimezone(UTC)


def _read_page(raw: str | None, errors: dict[str, str]) -> int:
    try:
        return page_number(raw)
    except InvalidInput as error:
        errors["page"] = str(error)
        return 1


def _limit_lengths(values: dict[str, str], keys: tuple[str, ...], errors: dict[str, str]) -> None:
    for key in keys:
        if len(values[key]) > MAX_TEXT_CHARS:
            errors[key] = f"Enter {MAX_TEXT_CHARS} characters or fewer"
            values[key] = values[key][:MAX_TEXT_CHARS]


def read_trail_search(args: Mapping[str, str]) -> TrailSearch:
    """Check the search form. Dates are UK calendar days, both inclusive."""
    keys = ("chi", "user", "organisation", "event_type", "break_glass")
    search = TrailSearch(values={key: (args.get(key) or "").strip() for key in keys})
    for prefix in ("from", "to"):
        for part in ("day", "month", "year"):
            search.values[f"{prefix}-{part}"] = (args.get(f"{prefix}-{part}") or "").strip()
    errors = search.errors
    values = search.values
    _limit_lengths(values, keys, errors)
    chi = read_chi(values["chi"], "chi", errors)
    if chi:
        search.filters["child"] = chi
    if values["user"]:
        search.filters["user"] = values["user"]
    if values["organisation"]:
        search.filters["organisation"] = values["organisation"]
    if values["event_type"]:
        if values["event_type"] in EVENT_TYPE_LABELS:
            search.filters["event_type"] = values["event_type"]
        else:
            errors["event_type"] = "Select an event type from the list"
    if values["break_glass"] in ("yes", "no"):
        search.filters["break_glass"] = values["break_glass"] == "yes"
    start = read_date(args, "from", "Date from", errors)
    end = read_date(args, "to", "Date to", errors)
    if start and end and end < start:
        errors["to-day"] = "Date to must be the same as or after date from"
    if start:
        search.filters["since"] = uk_midnight(start)
    if end:
        search.filters["until"] = uk_midnight(end + timedelta(days=1))
    search.page = _read_page(args.get("page"), errors)
    return search


@dataclass
class ExportRequest:
    """A checked export: format and the filters `export_csv` / `export_fhir_bundle` take."""

    values: dict[str, str]
    export_format: str = "csv"
    filters: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_export(args: Mapping[str, str]) -> ExportRequest:
    """Check the export form: csv or fhir, with optional child, user and since-date filters."""
    values = {key: (args.get(key) or "").strip() for key in ("format", "chi", "user")}
    request = ExportRequest(values=values)
    for part in ("day", "month", "year"):
        values[f"since-{part}"] = (args.get(f"since-{part}") or "").strip()
    if values["format"] not in ("csv", "fhir"):
        request.errors["format"] = "Select CSV or FHIR"
    request.export_format = values["format"]
    chi = read_chi(values["chi"], "chi", request.errors)
    if chi:
        request.filters["child"] = chi
    if values["user"]:
        request.filters["user"] = values["user"]
    since = read_date(args, "since", "Since", request.errors)
    if since:
        request.filters["since"] = uk_midnight(since)
    return request
