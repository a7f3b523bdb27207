"""Verification catches any single change made directly in the database, and names the entry.

Mutations run as an attacker with DBA rights would: triggers off, inside a transaction
that is rolled back afterwards, so one chain serves many random mutations.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Connection, delete, insert, select, update

from portal.audit import AuditWriter, EventType, signed_head, verify_chain
from portal.audit.canonical import entry_hash_of
from portal.audit.models import audit_entries

CHAIN_LENGTH = 30
MUTATIONS_PER_DIALECT = 60
SEED = 20261122
c = audit_entries.c


def _entry(connection: Connection, sequence: int) -> dict:
    return dict(connection.execute(select(audit_entries).where(c.sequence == sequence)).one()._mapping)


def _changed_value(entry: dict, column: str):  # type: ignore[no-untyped-def]
    """A different, plausible value for one column, so the edit looks like what a cover-up would do."""
    changes = {
        "user_id": "someone-else",
        "subject_chi": "0101019999",
        "outcome": 4 if entry["outcome"] == 0 else 0,
        "recorded_at": entry["recorded_at"] + timedelta(seconds=1),
        "event_type": EventType.PRINT.value,
        "purpose_of_use": "ETREAT",
        "break_glass": not entry["break_glass"],
        "sources": [],
        "details": {**(entry["details"] or {}), "page": 99},
        "organisation": "Another Council",
    }
    return changes[column]


def change_field(connection: Connection, k: int, n: int, rng: random.Random) -> int:
    entry = _entry(connection, k)
    column = rng.choice(
        ["user_id", "subject_chi", "outcome", "recorded_at", "event_type", "purpose_of_use", "break_glass", "sources",
         "details", "organisation"]
    )  # fmt: skip
    connection.execute(update(audit_entries).where(c.sequence == k).values({column: _changed_value(entry, column)}))
    return k


def change_field_and_rehash(connection: Connection, k: int, n: int, rng: random.Random) -> int:
    """A cleverer edit: the attacker recomputes the edited entry's own hash; the next link still breaks."""
    entry = _entry(connection, k)
    entry["user_id"] = "someone-else"
    entry["entry_hash"] = entry_hash_of(entry)
    connection.execute(
        update(audit_entries).where(c.sequence == k).values(user_id=entry["user_id"], entry_hash=entry["entry_hash"])
    )
    return k + 1 if k < n else k  # the last entry is caught by the anchored head


def delete_entry(connection: Connection, k: int, n: int, rng: random.Random) -> int:
    connection.execute(delete(audit_entries).where(c.sequence == k))
    return k + 1 if k < n else k  # deleting the last entry is caught by the anchored head


def insert_forged_entry(connection: Connection, k: int, n: int, rng: random.Random) -> int:
    """Slip a well-formed entry in at position k: renumber those after it and relink the next one."""
    previous_hash = _entry(connection, k - 1)["entry_hash"] if k > 1 else "0" * 64
    connection.execute(update(audit_entries).where(c.sequence >= k).values(sequence=c.sequence + 1_000_000))
    connection.execute(update(audit_entries).where(c.sequence >= k).values(sequence=c.sequence - 999_999))
    forged = _entry(connection, k + 1)
    forged.update(sequence=k, user_id="forged-user", prev_hash=previous_hash)
    forged["entry_hash"] = entry_hash_of(forged)
    connection.execute(update(audit_entries).where(c.sequence == k + 1).values(prev_hash=forged["entry_hash"]))
    connection.execute(insert(audit_entries).values(forged))
    return k + 1 if k < n else k  # at the end, the forged entry itself differs from the anchored head


def swap_entries(connection: Connection, k: int, n: int, rng: random.Random) -> int:
    """Reorder: entries k and k+1 exchange places."""
    k = min(k, n - 1)
    connection.execute(update(audit_entries).where(c.sequence == k).values(sequence=1_000_000))
    connection.execute(update(audit_entries).where(c.sequence == k + 1).values(sequence=k))
    connection.execute(update(audit_entries).where(c.sequence == 1_000_000).values(sequence=k + 1))
    return k


MUTATIONS: list[Callable[[Connection, int, int, random.Random], int]] = [
    change_field,
    change_field_and_rehash,
    delete_entry,
    insert_forged_entry,
    swap_entries,
]


@pytest.fixture
def chain(store, make_input):  # type: ignore[no-untyped-def]
    writer = AuditWriter(store.engine)
    for index in range(CHAIN_LENGTH):
        writer.record(make_input(index, break_glass=index % 7 == 0, outcome=4 if index % 5 == 0 else 0))
    return store


def test_every_random_single_mutation_is_detected_and_named(chain) -> None:  # type: ignore[no-untyped-def]
    head = signed_head(chain.engine, b"k" * 32)
    rng = random.Random(SEED)
    seen = set()
    for _ in range(MUTATIONS_PER_DIALECT):
        mutate = rng.choice(MUTATIONS)
        k = rng.randint(1, CHAIN_LENGTH)
        with chain.as_attacker() as attacker:
            expected_bad = mutate(attacker, k, CHAIN_LENGTH, rng)
            result = verify_chain(attacker, anchor=head, batch_size=8)
        assert not result.ok, f"{mutate.__name__} at {k} went unnoticed"
        assert result.first_bad_sequence == expected_bad, (mutate.__name__, k, result.problem)
        assert str(expected_bad) in result.problem
        seen.add(mutate.__name__)
    assert seen == {mutation.__name__ for mutation in MUTATIONS}
    untouched = verify_chain(chain.engine, anchor=head)  # every attack was rolled back
    assert untouched.ok and untouched.entries_checked == CHAIN_LENGTH


def test_problem_says_what_broke(chain) -> None:  # type: ignore[no-untyped-def]
    with chain.as_attacker() as attacker:
        delete_entry(attacker, 10, CHAIN_LENGTH, random.Random(0))
        gap = verify_chain(attacker)
    with chain.as_attacker() as attacker:
        change_field(attacker, 4, CHAIN_LENGTH, random.Random(0))
        edited = verify_chain(attacker)

    assert (gap.first_bad_sequence, gap.entries_checked) == (11, 9)
    assert "entry 10 missing" in gap.problem
    assert edited.first_bad_sequence == 4 and "contents" in edited.problem


def test_cutting_entries_off_the_end_needs_the_anchor_to_be_seen(chain) -> None:  # type: ignore[no-untyped-def]
    head = signed_head(chain.engine, b"k" * 32)
    with chain.as_attacker() as attacker:
        attacker.execute(delete(audit_entries).where(c.sequence > CHAIN_LENGTH - 3))
        without_anchor = verify_chain(attacker)
        with_anchor = verify_chain(attacker, anchor=head)

    assert without_anchor.ok and without_anchor.entries_checked == CHAIN_LENGTH - 3  # consistent, but shorter
    assert not with_anchor.ok and with_anchor.first_bad_sequence == CHAIN_LENGTH


def test_an_empty_trail_verifies(store) -> None:  # type: ignore[no-untyped-def]
    result = verify_chain(store.engine)
    assert result.ok and result.entries_checked == 0
