"""CHI and SCN validation, and sorting an agency's people by identity (DOMAIN.md §4)."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.models import PersonQuery, PersonRecord
from portal.record.identify import (
    classify_people,
    mod10_check_digit,
    mod11_check_digit,
    sex_from_chi,
    validate_chi,
    validate_scn,
)


@pytest.mark.parametrize(
    ("chi", "scheme"),
    [
        ("1904851231", "mod11"),
        ("0101011237", "mod11"),
        ("2902201230", "mod11"),
        ("0211165794", "mod11"),
        ("0101011113", "mod11"),
        ("1503741206", "mod11"),
        ("3112994507", "mod11"),
        ("0101201234", "mod10"),
        ("0101010015", "mod10"),
    ],
)
def test_every_valid_example_in_the_domain_brief_is_accepted_as_a_string(chi: str, scheme: str) -> None:
    check = validate_chi(chi)
    assert check.valid
    assert check.value == chi and isinstance(check.value, str)
    assert check.scheme == scheme


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1904851232", "CHI number check digit does not match"),
        ("3201201234", "first six digits are not a valid date of birth (DDMMYY)"),
        ("2902191230", "first six digits are not a valid date of birth (DDMMYY)"),
        ("123456789", "CHI number must be 10 digits"),
        ("19048512311", "CHI number must be 10 digits"),
        ("19O4851231", "CHI number contains characters other than digits"),
        ("1904-851231", "CHI number contains characters other than digits"),
        ("", "Enter a CHI number"),
    ],
)
def test_invalid_chi_says_which_check_failed(raw: str, reason: str) -> None:
    check = validate_chi(raw)
    assert not check.valid
    assert check.value is None
    assert check.reason == reason


def test_spaces_typed_in_a_chi_are_allowed_and_removed() -> None:
    assert validate_chi(" 190485 1231 ").value == "1904851231"
    assert validate_chi("010 120 1234").value == "0101201234"


def test_leading_zero_is_kept() -> None:
    assert validate_chi("0101011237").value.startswith("0")


def test_unicode_digits_are_not_mistaken_for_ascii_digits() -> None:
    assert validate_chi("١٩٠٤٨٥١٢٣١").reason == "CHI number contains characters other than digits"


def test_stem_with_no_possible_mod11_digit_still_has_a_luhn_chi() -> None:
    assert mod11_check_digit("010101001") is None
    assert mod10_check_digit("010101001") == 5
    assert validate_chi("0101010015").scheme == "mod10"
    # Every other final digit is refused for that stem except the Luhn one.
    refused = [d for d in "0123456789" if not validate_chi("010101001" + d).valid]
    assert refused == [d for d in "0123456789" if d != "5"]


def test_worked_check_digits_from_the_brief() -> None:
    assert mod11_check_digit("190485123") == 1
    assert mod10_check_digit("010120123") == 4
    assert mod11_check_digit("010120123") != 4


def test_sex_digit_parity() -> None:
    assert sex_from_chi("1904851231") == "male"
    assert sex_from_chi("1503741206") == "female"


def _scn_with_check(stem: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(stem, (3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    check = 0 if total % 11 == 0 else 11 - total % 11
    return None if check == 10 else stem + str(check)


def test_scn_checks_length_digits_and_check_digit() -> None:
    stems = [f"{n:08d}" for n in range(15000000, 15000040)]
    good = [scn for scn in map(_scn_with_check, stems) if scn]
    assert good and all(validate_scn(scn).value == scn for scn in good)
    wrong = good[0][:8] + str((int(good[0][8]) + 1) % 10)
    assert validate_scn(wrong).reason == "Scottish Candidate Number check digit does not match"
    assert validate_scn("1234567").reason == "Scottish Candidate Number must be 9 digits"
    assert validate_scn("12345678X").reason == "Scottish Candidate Number contains characters other than digits"
    impossible = next(stem for stem in stems if _scn_with_check(stem) is None)
    assert all(not validate_scn(impossible + d).valid for d in "0123456789")


ANCHOR = "1503741206"
QUERY = PersonQuery(chi=ANCHOR, forename="Kate", surname="Mackenzie", birth_date=date(2015, 3, 12), postcode="EH6 5AB")


def _person(source_id: str, chi: str | None = None, **demographics: object) -> PersonRecord:
    identifiers = (("chi", chi),) if chi else ()
    fields = {"forename": "Kate", "surname": "Mackenzie", "birth_date": date(2015, 3, 12), "postcode": "EH6 5AB"}
    fields.update(demographics)
    return PersonRecord(agency="police", source_id=source_id, identifiers=identifiers, **fields)  # type: ignore[arg-type]


def test_classify_links_same_chi_rejects_other_chi_and_offers_no_chi_record_as_candidate() -> None:
    same = _person("a", ANCHOR)
    wrong_child = _person("b", "3112994507")
    no_chi = _person("c", forename="Katie", surname="McKenzie")
    result = classify_people(ANCHOR, QUERY, [same, wrong_child, no_chi])
    assert [s.person.source_id for s in result.linked] == ["a"]
    assert [s.person.source_id for s in result.rejected] == ["b"]
    assert "CHI differs" in result.rejected[0].match.reasons
    assert [s.person.source_id for s in result.candidates] == ["c"]


def test_confirmed_candidate_is_linked_but_confirmation_cannot_override_a_different_chi() -> None:
    no_chi = _person("c", forename="Katie")
    other = _person("b", "3112994507")
    confirmed = frozenset({("police", "c"), ("police", "b")})
    result = classify_people(ANCHOR, QUERY, [no_chi, other], confirmed=confirmed)
    assert [s.person.source_id for s in result.linked] == ["c"]
    assert result.linked[0].match.basis == "confirmed"
    assert [s.person.source_id for s in result.rejected] == ["b"]


def test_twin_without_chi_is_rejected_not_offered() -> None:
    twin = _person("t", forename="Emily")
    result = classify_people(ANCHOR, QUERY, [twin])
    assert not result.linked and not result.candidates
    assert any("twin" in reason for reason in result.rejected[0].match.reasons)


def test_changed_surname_is_found_through_another_agencys_record_of_the_previous_surname() -> None:
    query = PersonQuery(
        chi=ANCHOR, forename="Kate", surname="Gillespie", birth_date=date(2015, 3, 12), postcode="G1 1AA"
    )
    social_work = PersonRecord(
        "social_work",
        "sw1",
        (("chi", ANCHOR),),
        forename="Kate",
        surname="Gillespie",
        previous_surnames=("Mackenzie",),
        birth_date=date(2015, 3, 12),
    )
    old_police_record = _person("p1")  # still under the old surname and old postcode
    assert classify_people(ANCHOR, query, [old_police_record]).candidates == []
    result = classify_people(ANCHOR, query, [old_police_record], references=[social_work])
    assert [s.person.source_id for s in result.candidates] == ["p1"]
    assert "previous surname matches: Mackenzie (now Gillespie)/Mackenzie" in result.candidates[0].match.reasons


def test_a_reference_with_a_different_identifier_vetoes_a_demographic_match() -> None:
    query = PersonQuery(forename="Kate", surname="Mackenzie", birth_date=date(2015, 3, 12), postcode="EH6 5AB")
    known = PersonRecord("education", "e1", (("scn", "150000019"),), forename="Kate", surname="Mackenzie")
    other_pupil = PersonRecord(
        "education", "e2", (("scn", "150000027"),), forename="Kate", surname="Mackenzie", birth_date=date(2015, 3, 12)
    )
    result = classify_people(None, query, [other_pupil], references=[known])
    assert [s.match.reasons[0] for s in result.rejected] == ["SCN differs"]
