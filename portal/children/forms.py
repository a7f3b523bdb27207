"""The search form: CHI, or name and date of birth, and always a purpose of access.

Validation returns GOV.UK-style errors keyed by the id of the field to focus.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from connectors.models import PersonQuery
from portal.access.purposes import BREAK_GLASS_REASONS, PURPOSES, practitioner_purposes
from portal.inputs import InvalidInput, date_from_parts
from portal.record.identify import validate_chi

MAX_JUSTIFICATION = 2000  # what the audit entry keeps of it
MAX_CHI_CHARS = 20  # ten digits and whatever spacing people type
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
# Letters of any alphabet (Wiśniewska, Nguyễn, not only Latin-1), spaces, hyphens, apostrophes, full stops.
NAME = re.compile(r"(?:[^\W\d_]|[' .-]){1,80}")
# Phones and word processors type O’Neill; agencies hold O'Neill.
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


@dataclass(frozen=True)
class SearchInput:
    """What the practitioner typed, kept to show the form again."""

    chi: str = ""
    forename: str = ""
    surname: str = ""
    dob_day: str = ""
    dob_month: str = ""
    dob_year: str = ""
    postcode: str = ""
    purpose: str = ""

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> SearchInput:
        return cls(**{name: (form.get(name.replace("_", "-"), "") or "").strip() for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class SearchRequest:
    query: PersonQuery
    purpose: str
    by_chi: bool
    errors: dict[str, str] = field(default_factory=dict)


def validate_search(entered: SearchInput, today: date) -> SearchRequest:
    """A query when the input is usable; otherwise errors saying exactly what is wrong."""
    errors: dict[str, str] = {}
    if entered.purpose not in PURPOSES or not PURPOSES[entered.purpose].practitioner_route:
        errors["purpose"] = "Select why you need to see this child's information"
    if len(entered.chi) > MAX_CHI_CHARS:
        errors["chi"] = "Enter a valid CHI number: 10 digits, like 010203 4567"
        return SearchRequest(PersonQuery(), entered.purpose, True, _ordered(errors))
    if entered.chi:
        check = validate_chi(entered.chi)
        if not check.valid:
            errors["chi"] = check.reason or "Enter a valid CHI number"
        query = PersonQuery(chi=check.value)
        return SearchRequest(query, entered.purpose, True, _ordered(errors))
    birth_date = _birth_date(entered, today, errors)
    surname, forename = _plain_name(entered.surname), _plain_name(entered.forename)
    if not surname:
        errors["surname"] = "Enter a CHI number, or the child's last name and date of birth"
    elif not NAME.fullmatch(surname):
        errors["surname"] = "Last name must only include letters, spaces, hyphens and apostrophes"
    if forename and not NAME.fullmatch(forename):
        errors["forename"] = "First name must only include letters, spaces, hyphens and apostrophes"
    postcode = entered.postcode.upper()
    if postcode and not POSTCODE.match(postcode):
        errors["postcode"] = "Enter a real postcode, like EH1 1YZ"
    query = PersonQuery(
        forename=forename or None, surname=surname or None, birth_date=birth_date,
        postcode=postcode or None,
    )
    return SearchRequest(query, entered.purpose, False, _ordered(errors))


def _plain_name(typed: str) -> str:
    """One way of writing a name: composed accents (NFC), plain apostrophes."""
    return unicodedata.normalize("NFC", typed).translate(APOSTROPHES)


def _birth_date(entered: SearchInput, today: date, errors: dict[str, str]) -> date | None:
    parts = (entered.dob_day, entered.dob_month, entered.dob_year)
    if not any(parts):
        errors["dob-day"] = "Enter the child's date of birth"
        return None
    try:
        value = date_from_parts(*parts, label="Date of birth")
    except InvalidInput as error:
        errors["dob-day"] = str(error)
        return None
    if value > today:
        errors["dob-day"] = "Date of birth must be in the past"
    elif today.year - value.year > 26:
        errors["dob-day"] = "Date of birth must be within the last 26 years (children and care leavers)"
    return value


def _ordered(errors: dict[str, str]) -> dict[str, str]:
    """Errors in the order the fields appear on the page, so the summary reads top to bottom."""
    order = ["chi", "forename", "surname", "dob-day", "postcode", "purpose"]
    return {key: errors[key] for key in order if key in errors}


def purpose_choices() -> list[tuple[str, str]]:
    return [(purpose.code, purpose.label) for purpose in practitioner_purposes()]


MIN_JUSTIFICATION = 10  # the same floor portal.data.break_glass enforces: a reason IG can act on


def break_glass_errors(reason_code: str, justification: str) -> dict[str, str]:
    """One GOV.UK error per field that is empty or wrong, in page order."""
    errors: dict[str, str] = {}
    if reason_code not in BREAK_GLASS_REASONS:
        errors["reason"] = "Select why this is an emergency"
    if not justification:
        errors["justification"] = "Explain why you need to see this child's information now"
    elif len(justification) < MIN_JUSTIFICATION:
        errors["justification"] = f"Explanation must be at least {MIN_JUSTIFICATION} characters"
    elif len(justification) > MAX_JUSTIFICATION:
        errors["justification"] = f"Explanation must be {MAX_JUSTIFICATION} characters or fewer"
    return errors
