"""Strict parsing of typed dates and page numbers: what Python's own parsers let through is refused here."""

from __future__ import annotations

from datetime import date

import pytest

from portal.inputs import InvalidInput, date_from_parts, iso_date, page_number


@pytest.mark.parametrize(("day", "month", "year"), [
    ("1", "2", "9" * 23), ("9" * 23, "1", "2015"), ("²", "1", "2015"), ("1", "٣", "2015"), ("1", "1", "15"),
    ("31", "2", "2015"), ("1", "1", "9999"), ("1", "1", "1899"), ("-1", "1", "2015"), ("1", "1", ""),
])
def test_day_month_year_outside_real_dates_are_refused(day: str, month: str, year: str) -> None:
    with pytest.raises(InvalidInput, match="Date of birth must"):
        date_from_parts(day, month, year, label="Date of birth")


def test_day_month_year_accepts_real_dates_with_spaces_and_leading_zeros() -> None:
    assert date_from_parts(" 07", "03 ", "2015", label="Date of birth") == date(2015, 3, 7)


@pytest.mark.parametrize("value", ["9999-12-31", "2024-02-30", "2024-2-3", "٢٠٢٤-٠١-٠١", "20240101", "9" * 23])
def test_iso_dates_outside_the_range_or_the_format_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="Start date must"):
        iso_date(value, "Start date")


def test_iso_date_in_range() -> None:
    assert iso_date("2100-12-31", "Start date") == date(2100, 12, 31)


@pytest.mark.parametrize("value", ["²", "٣", "0", "-1", "1.5", "9" * 23, "10001", "one"])
def test_page_numbers_are_ascii_and_bounded(value: str) -> None:
    with pytest.raises(InvalidInput, match="Page must be a whole number"):
        page_number(value)


@pytest.mark.parametrize(("value", "page"), [(None, 1), ("", 1), ("3", 3), ("10000", 10_000)])
def test_blank_page_is_the_first(value: str | None, page: int) -> None:
    assert page_number(value) == page
