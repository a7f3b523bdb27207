"""The surname hash the child view records and the flag compares."""

from __future__ import annotations

import pytest

from portal.ig.surnames import surname_hash, surname_of


def test_same_surname_matches_whatever_the_case_and_spacing() -> None:
    assert surname_hash("MacLeod", "k" * 16) == surname_hash("  macleod ", "k" * 16)
    assert surname_hash("Mac Leod", "k" * 16) == surname_hash("mac   leod", "k" * 16)


def test_hash_depends_on_the_key_and_is_not_a_plain_sha256() -> None:
    import hashlib

    assert surname_hash("Reid", "key-one") != surname_hash("Reid", "key-two")
    assert surname_hash("Reid", "key-one") != hashlib.sha256(b"reid").hexdigest()
    with pytest.raises(ValueError):
        surname_hash("Reid", "")


def test_surname_of_takes_the_last_word() -> None:
    assert surname_of("Pat Henderson") == "Henderson"
    assert surname_of("  ") is None and surname_of(None) is None
