"""CHI numbers and Scottish Candidate Numbers, with their check digits (DOMAIN.md §4)."""

from __future__ import annotations

import random
from datetime import date

MOD11_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
SCN_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def chi_mod11_digit(stem: str) -> int | None:
    """Mod-11 check digit for a 9-digit CHI stem, or None when no Mod-11 CHI exists for it."""
    remainder = sum(int(d) * w for d, w in zip(stem, MOD11_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    return None if check == 10 else check


def chi_luhn_digit(stem: str) -> int:
    """Mod-10 (Luhn) check digit for a 9-digit CHI stem; positions 1, 3, 5, 7, 9 are doubled."""
    total = 0
    for position, ch in enumerate(stem):
        digit = int(ch)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def chi_scheme(chi: str) -> str | None:
    """Which check the CHI passes: "mod11" (preferred when both pass), "mod10", or None."""
    if len(chi) != 10 or not chi.isdigit():
        return None
    last = int(chi[9])
    if chi_mod11_digit(chi[:9]) == last:
        return "mod11"
    if chi_luhn_digit(chi[:9]) == last:
        return "mod10"
    return None


def make_chi(rng: random.Random, birth_date: date, sex: str, *, luhn_only: bool, taken: set[str]) -> str:
    """A new CHI for a child: DDMMYY, two serial digits, a sex digit (odd male), a check digit.

    `luhn_only` draws a stem with no Mod-11 digit (the case Mod-10 allocation exists
    for), so the CHI is valid under Luhn and fails Mod-11. `taken` keeps CHIs unique.
    """
    ddmmyy = birth_date.strftime("%d%m%y")
    parity = 1 if sex == "male" else 0
    # About 1 stem in 11 has no Mod-11 digit, so one birth date has only ~45 Luhn-only CHIs per sex.
    for _ in range(20_000):
        serial = rng.randrange(100)
        sex_digit = rng.randrange(5) * 2 + parity
        stem = f"{ddmmyy}{serial:02d}{sex_digit}"
        mod11 = chi_mod11_digit(stem)
        if luhn_only:
            if mod11 is not None:
                continue
            chi = stem + str(chi_luhn_digit(stem))
        else:
            if mod11 is None:
                continue
            chi = stem + str(mod11)
        if chi not in taken:
            taken.add(chi)
            return chi
    raise RuntimeError("no unused CHI left for this birth date and sex")


def scn_check_digit(stem: str) -> int | None:
    """SCN check digit for 8 data digits (weights 3 2 7 6 5 4 3 2), or None when the stem is unusable."""
    remainder = sum(int(d) * w for d, w in zip(stem, SCN_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    check = 11 - remainder
    return None if check == 10 else check


def scn_is_valid(scn: str) -> bool:
    """True if a 9-digit SCN carries the right check digit."""
    return len(scn) == 9 and scn.isdigit() and scn_check_digit(scn[:8]) == int(scn[8])


def make_scn(rng: random.Random, year_of_issue: int, taken: set[str]) -> str:
    """A new SCN: two digits of the year it was issued (in P1), six serial digits, a check digit."""
    while True:
        stem = f"{year_of_issue % 100:02d}{rng.randrange(10**6):06d}"
        check = scn_check_digit(stem)
        if check is None:
            continue
        scn = stem + str(check)
        if scn not in taken:
            taken.add(scn)
            return scn
