"""CHI and SCN check digits: the generator's arithmetic against DOMAIN.md's worked examples."""

import random
from datetime import date

import pytest

from sandbox.cohort.identifiers import (
    chi_luhn_digit,
    chi_mod11_digit,
    chi_scheme,
    make_chi,
    make_scn,
    scn_check_digit,
    scn_is_valid,
)


@pytest.mark.parametrize(
    ("chi", "scheme"),
    [
        ("1904851231", "mod11"),
        ("0101011237", "mod11"),
        ("2902201230", "mod11"),
        ("3112994507", "mod11"),
        ("0101201234", "mod10"),  # PHS's own Mod-10 test case
        ("0101010015", "mod10"),  # stem with no Mod-11 digit at all
        ("1904851232", None),
        ("123456789", None),
    ],
)
def test_chi_scheme_matches_the_published_examples(chi: str, scheme: str | None) -> None:
    assert chi_scheme(chi) == scheme


def test_stem_without_a_mod11_digit_is_recognised() -> None:
    assert chi_mod11_digit("010101001") is None
    assert chi_luhn_digit("010101001") == 5


def test_luhn_only_chi_fails_mod11_and_encodes_date_and_sex() -> None:
    rng = random.Random(1)
    taken: set[str] = set()
    for _ in range(30):
        chi = make_chi(rng, date(2021, 3, 9), "female", luhn_only=True, taken=taken)
        assert chi.startswith("090321")
        assert chi_mod11_digit(chi[:9]) != int(chi[9])
        assert chi_scheme(chi) == "mod10"
        assert int(chi[8]) % 2 == 0
    assert len(taken) == 30


def test_scn_check_digit_uses_the_scn_weights() -> None:
    # 3·1 + 2·2 + 7·3 + 6·4 + 5·5 + 4·6 + 3·7 + 2·8 = 138; 138 mod 11 = 6; 11 − 6 = 5
    assert scn_check_digit("12345678") == 5
    assert scn_is_valid("123456785")
    assert not scn_is_valid("123456787")
    # 3·1 + 2·0 + … = 3 + 2·5 (eighth digit 5) = 13; 13 mod 11 = 2; 11 − 2 = 9
    assert scn_check_digit("10000005") == 9
    # 2·6 = 12; 12 mod 11 = 1 would need check digit 10, so no SCN exists for this stem
    assert scn_check_digit("00000006") is None
    # 3·1 + 2·4 = 11; remainder 0 gives check digit 0
    assert scn_check_digit("10000004") == 0


def test_made_scns_are_valid_and_start_with_the_year_of_issue() -> None:
    rng = random.Random(2)
    taken: set[str] = set()
    for _ in range(100):
        scn = make_scn(rng, 2019, taken)
        assert scn.startswith("19")
        assert scn_is_valid(scn)
