"""Checking what an admin typed into the relationship form; errors are keyed by the field id they belong to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from werkzeug.datastructures import MultiDict

from portal.access.roles import RELATIONSHIP_BASES, TIME_LIMITED_BASES
from portal.inputs import InvalidInput, date_from_parts
from portal.record.identify import validate_chi

MAX_HOLDER_CHARS = 200
FIELDS = ("chi", "basis", "holder", "starts-day", "starts-month", "starts-year", "ends-day", "ends-month", "ends-year")


@dataclass
class RelationshipForm:
    """A checked form: `values` to redisplay, `errors` for the summary, and the parsed values when valid."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    child_chi: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def _date(values: dict[str, str], prefix: str, label: str, errors: dict[str, str]) -> date | None:
    parts = [values.get(f"{prefix}-{p}", "") for p in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        day, month, year = parts
        return date_from_parts(day, month, year, label=label)
    except InvalidInput as error:
        errors[f"{prefix}-day"] = str(error)
        return None


def check_relationship_form(form: MultiDict[str, str]) -> RelationshipForm:
    """Check the add-relationship form; a date means the whole UTC day (an end date is inclusive)."""
    values = {name: form.get(name, "").strip() for name in FIELDS}
    checked = RelationshipForm(values=values)
    errors = checked.errors
    chi = validate_chi(values["chi"])
    if not chi.valid:
        errors["chi"] = chi.reason or "Enter a valid CHI number"
    else:
        checked.child_chi = chi.value or ""
    if values["basis"] not in RELATIONSHIP_BASES:
        errors["basis"] = "Choose the basis of the relationship"
    if not values["holder"]:
        errors["holder"] = "Choose who holds the relationship"
    elif len(values["holder"]) > MAX_HOLDER_CHARS:
        errors["holder"] = f"Who holds the relationship must be {MAX_HOLDER_CHARS} characters or fewer"
    starts = _date(values, "starts", "Start date", errors)
    if starts is None and "starts-day" not in errors:
        errors["starts-day"] = "Enter the start date"
    ends = _date(values, "ends", "End date", errors)
    if ends is None and "ends-day" not in errors and values["basis"] in TIME_LIMITED_BASES:
        errors["ends-day"] = "A child protection enquiry must have an end date"
    if starts and ends and ends < starts:
        errors["ends-day"] = "End date must be the same as or after the start date"
    if starts:
        checked.starts_at = datetime.combine(starts, time(0), tzinfo=UTC)
    if ends:
        checked.ends_at = datetime.combine(ends, time(0), tzinfo=UTC) + timedelta(days=1)
    return checked
