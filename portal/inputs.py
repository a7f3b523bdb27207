"""Strict parsing of what people type into dates, numbers and page parameters, and how long any value may be.

Python's own parsers are too forgiving for a form: `str.isdigit` accepts "²", `int` accepts
Arabic-Indic digits and 23-digit years that `date` then refuses with OverflowError, and a valid
date such as 9999-12-31 overflows as soon as a day is added to it. Everything here accepts
ASCII digits only, in ranges a children's record can use, and raises InvalidInput with a
GOV.UK-style message otherwise.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from werkzeug.routing import IntegerConverter, Map

MIN_YEAR = 1900
MAX_YEAR = 2100
MAX_PAGE = 10_000
MAX_VALUE_CHARS = 5_000  # any one query or form value; fields have tighter limits of their own
MAX_ROW_ID = 2**63 - 1  # the largest id SQLite (INTEGER) or PostgreSQL (BIGINT) can hold

_DAY_OR_MONTH = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PAGE = re.compile(r"[0-9]{1,5}")
_ROW_ID = r"[0-9]{1,19}"


class InvalidInput(ValueError):
    """The value cannot be used; `str(error)` is the message to show next to the field."""


def date_from_parts(day: str, month: str, year: str, label: str) -> date:
    """A date typed as day, month and year (GOV.UK date input); InvalidInput otherwise."""
    day, month, year = day.strip(), month.strip(), year.strip()
    if not (_DAY_OR_MONTH.fullmatch(day) and _DAY_OR_MONTH.fullmatch(month) and _YEAR.fullmatch(year)):
        raise InvalidInput(f"{label} must be a real date, for example 27 3 2015")
    return _in_range(int(year), int(month), int(day), label, "for example 27 3 2015")


def iso_date(value: str, label: str) -> date:
    """A date written as YYYY-MM-DD; InvalidInput otherwise."""
    value = value.strip()
    if not _ISO_DATE.fullmatch(value):
        raise InvalidInput(f"{label} must be a real date, like 2024-03-27")
    year, month, day = (int(part) for part in value.split("-"))
    return _in_range(year, month, day, label, "like 2024-03-27")


def page_number(value: str | None) -> int:
    """A page number from the query string: blank means the first page."""
    value = (value or "").strip()
    if not value:
        return 1
    if not _PAGE.fullmatch(value) or not 1 <= int(value) <= MAX_PAGE:
        raise InvalidInput(f"Page must be a whole number from 1 to {MAX_PAGE:,}")
    return int(value)


def _in_range(year: int, month: int, day: int, label: str, example: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"{label} must be between {MIN_YEAR} and {MAX_YEAR}")
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{label} must be a real date, {example}") from None


def row_id(value: str) -> int | None:
    """A database row id sent back by a form (ASCII digits, at most MAX_ROW_ID); None for anything else."""
    if not re.fullmatch(_ROW_ID, value) or int(value) > MAX_ROW_ID:
        return None
    return int(value)


def too_long(value: str, limit: int) -> bool:
    return len(value) > limit


class RowId(IntegerConverter):
    """The `int` of route paths: ASCII digits for an id a database row can have, anything else "not found".

    Werkzeug's own takes any Unicode digits ("٣" is 3) of any length, which the database then
    refuses with an error (OverflowError on SQLite) instead of the page saying there is no such record.
    """

    regex = _ROW_ID

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)
