"""The document store helpers the sandbox servers read with: ordering, paging, dates, sealing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.stores.records import StoreRecord, all_of, count, get, insert_records, open_store, query


@pytest.fixture
def store(tmp_path: Path):
    conn = open_store(tmp_path / "test.db", create=True)
    insert_records(conn, [
        StoreRecord("notes", "n3", "p1", "2026-03-01", {"note_id": "n3"}),
        StoreRecord("notes", "n1", "p1", "2026-01-15", {"note_id": "n1"}),
        StoreRecord("notes", "n2", "p1", "2026-01-15", {"note_id": "n2"}),
        StoreRecord("notes", "n4", "p1", "2026-02-01", {"note_id": "n4"}, sealed=True),
        StoreRecord("notes", "n5", "p2", "2026-02-01", {"note_id": "n5"}),
        StoreRecord("pupils", "p1", "p1", None, {"pupil_id": "p1"}),
    ])
    yield conn
    conn.close()


def _ids(items: list[dict]) -> list[str]:
    return [item["note_id"] for item in items]


def test_query_orders_by_date_then_id_and_leaves_out_sealed(store) -> None:
    assert _ids(query(store, "notes", "p1")) == ["n1", "n2", "n3"]
    assert _ids(query(store, "notes", "p1", order="desc")) == ["n3", "n2", "n1"]
    assert _ids(query(store, "notes", "p1", include_sealed=True)) == ["n1", "n2", "n4", "n3"]


def test_query_pages_with_limit_and_offset(store) -> None:
    pages = [_ids(query(store, "notes", "p1", limit=2, offset=offset)) for offset in (0, 2, 4)]
    assert pages == [["n1", "n2"], ["n3"], []]
    assert count(store, "notes", "p1") == 3
    assert count(store, "notes") == 4


def test_date_bounds_are_inclusive(store) -> None:
    assert _ids(query(store, "notes", "p1", date_from="2026-01-15", date_to="2026-01-15")) == ["n1", "n2"]
    assert _ids(query(store, "notes", date_from="2026-02-01")) == ["n5", "n3"]
    assert count(store, "notes", "p1", date_to="2026-02-28") == 2


def test_get_and_all_of_respect_sealing(store) -> None:
    assert get(store, "notes", "n4") is None
    assert get(store, "notes", "n4", include_sealed=True) == {"note_id": "n4"}
    assert get(store, "notes", "missing") is None
    assert _ids(all_of(store, "notes")) == ["n1", "n2", "n3", "n5"]


def test_opening_a_missing_store_without_create_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_store(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()
