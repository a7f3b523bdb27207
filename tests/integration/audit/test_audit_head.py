"""The signed head names the latest entry and proves, with the key, that nobody altered it."""

from __future__ import annotations

import pytest

from portal.audit import AuditWriter, signed_head, verify_head
from portal.audit.canonical import GENESIS_HASH

KEY = b"audit-head-key-for-tests-32bytes"


def test_head_names_the_latest_entry_and_verifies(store, make_input) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(store.engine)
    writer.record(make_input(0))
    last = writer.record(make_input(1))

    head = signed_head(store.engine, KEY)

    assert head["sequence"] == last.sequence == 2
    assert head["entry_hash"] == last.entry_hash
    assert head["recorded_at"].endswith("Z")
    assert verify_head(head, KEY)


def test_head_moves_on_with_each_write(store, make_input) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(store.engine)
    writer.record(make_input(0))
    before = signed_head(store.engine, KEY)
    writer.record(make_input(1))
    after = signed_head(store.engine, KEY)

    assert after["sequence"] == before["sequence"] + 1
    assert after["hmac"] != before["hmac"]


def test_empty_trail_has_a_signed_genesis_head(store) -> None:  # type: ignore[no-untyped-def]
    head = signed_head(store.engine, KEY)
    assert (head["sequence"], head["entry_hash"], head["recorded_at"]) == (0, GENESIS_HASH, None)
    assert verify_head(head, KEY)


@pytest.mark.parametrize(
    "tamper",
    [
        {"sequence": 1},
        {"entry_hash": "f" * 64},
        {"recorded_at": "2020-01-01T00:00:00.000000Z"},
        {"hmac": "0" * 64},
        {"hmac": None},
    ],
    ids=["sequence", "entry_hash", "recorded_at", "hmac", "no-hmac"],
)
def test_any_change_to_a_head_fails_verification(store, make_input, tamper) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(store.engine)
    writer.record(make_input(0))
    writer.record(make_input(1))
    head = signed_head(store.engine, KEY)

    assert not verify_head({**head, **tamper}, KEY)


def test_a_head_signed_with_another_key_fails(store, make_input) -> None:  # type: ignore[no-untyped-def]
    AuditWriter(store.engine).record(make_input(0))
    head = signed_head(store.engine, b"some-other-key-of-enough-length!")
    assert not verify_head(head, KEY)


def test_a_short_key_is_refused(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="at least"):
        signed_head(store.engine, b"short")
