"""Names typed into the search: every alphabet a child's name is written in, and apostrophes as phones type them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.children.forms import SearchInput, validate_search

TODAY = date(2026, 12, 2)


def _search(surname: str, forename: str = "") -> tuple[dict[str, str], str | None, str | None]:
    searched = validate_search(SearchInput(surname=surname, forename=forename, dob_day="1", dob_month="2",
                                           dob_year="2015", purpose="girfec_wellbeing"), TODAY)
    return searched.errors, searched.query.surname, searched.query.forename


@pytest.mark.parametrize(("typed", "asked"), [
    ("Wiśniewska", "Wiśniewska"), ("Łukasiewicz", "Łukasiewicz"), ("Nguyễn", "Nguyễn"), ("Müller", "Müller"),
    ("O’Neill", "O'Neill"), ("D‘Arcy", "D'Arcy"), ("Reid-Morrison", "Reid-Morrison"), ("St. John", "St. John"),
])
def test_real_surnames_are_searched_for_with_plain_apostrophes(typed: str, asked: str) -> None:
    errors, surname, _ = _search(typed)
    assert errors == {}
    assert surname == asked


LETTERS = st.characters(categories=("Lu", "Ll", "Lt", "Lo"))
NAMES = st.text(alphabet=st.one_of(LETTERS, st.sampled_from(" '’-")), min_size=1, max_size=80).filter(
    lambda name: any(ch.isalpha() for ch in name))


@given(name=NAMES)
def test_a_name_of_letters_spaces_hyphens_and_apostrophes_is_accepted(name: str) -> None:
    errors, _, forename = _search("Smith", forename=name)
    assert "forename" not in errors
    assert forename is not None and "’" not in forename


@pytest.mark.parametrize("typed", ["Smith2", "Sm_th", "<b>Smith</b>", "Smith;", "x" * 81, "Smith\u200b"])
def test_what_is_not_a_name_is_still_refused_with_the_reason(typed: str) -> None:
    errors, _, _ = _search(typed)
    assert errors["surname"] == "Last name must only include letters, spaces, hyphens and apostrophes"
