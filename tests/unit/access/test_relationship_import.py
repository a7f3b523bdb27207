"""Importing relationships from CSV: all rows or none, with line-numbered errors that never echo a CHI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import portal.data.relationship_import as importer
from portal.data.models import User
from portal.data.relationship_import import import_relationships_csv
from portal.data.relationships import Relationship, active_relationship

HEADER = "child_chi,basis,holder_type,username,agency,team,starts_on,ends_on\n"
GOOD_ROWS = (
    "0101151004,health_visitor,user,hv.one,,,2026-09-01,\n"
    "0101151004,team_around_child,team,,health,NHS Fife Health Visiting,2026-09-01,2027-08-31\n"
    "0202151007,cp_enquiry,user,teacher,,,2026-11-20,2026-11-30\n"
)


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "relationships.csv"
    path.write_text(text, encoding="utf-8")
    return path


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Relationship)) or 0


def test_good_file_imports_every_row_with_source_import(
    session: Session, people: dict[str, User], tmp_path: Path
) -> None:
    report = import_relationships_csv(session, write_csv(tmp_path, HEADER + GOOD_ROWS), created_by=people["admin"].id)

    assert report.ok and report.created == 3 and report.skipped == 0
    rows = session.scalars(select(Relationship).order_by(Relationship.id)).all()
    assert {r.source for r in rows} == {"import"}
    assert rows[0].child_chi == "0101151004"  # the leading zero survives
    moment = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert active_relationship(session, people["hv2"], "0101151004", moment) is not None  # via the team row
    # ends_on is inclusive: the CP enquiry still counts during its last day and stops at midnight.
    assert active_relationship(session, people["teacher"], "0202151007", datetime(2026, 11, 30, 23, tzinfo=UTC))
    assert active_relationship(session, people["teacher"], "0202151007", datetime(2026, 12, 1, tzinfo=UTC)) is None


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    session: Session, people: dict[str, User], tmp_path: Path
) -> None:
    bad = (
        "0101151004,health_visitor,user,hv.one,,,2026-09-01,\n"  # line 2: fine
        "0101151004,cp_enquiry,user,hv.one,,,2026-09-01,\n"  # line 3: cp enquiry without an end
        "99,health_visitor,user,hv.one,,,2026-09-01,\n"  # line 4: bad CHI
        "0101151004,health_visitor,user,nobody,,,2026-09-01,\n"  # line 5: unknown user
        "0101151004,health_visitor,team,,health,No Such Team,2026-09-01,\n"  # line 6: unknown team
        "0101151004,health_visitor,user,hv.one,,,01/09/2026,\n"  # line 7: bad date
        "\n"  # line 8: blank, ignored
        "0101151004,health_visitor,user,hv.one,,,2026-09-01,\n"  # line 9: repeats line 2
        "0101151004,health_visitor,friend,hv.one,,,2026-09-01,\n"  # line 10: bad holder type
    )
    report = import_relationships_csv(session, write_csv(tmp_path, HEADER + bad))

    assert not report.ok and report.created == 0
    assert [e.line for e in report.errors] == [3, 4, 5, 6, 7, 9, 10]
    messages = [str(e) for e in report.errors]
    assert "line 3: a child protection enquiry (time-limited) relationship must have an end date" in messages
    assert "line 5: no user with username 'nobody'" in messages
    assert "line 9: repeats line 2" in messages
    assert all("0101151004" not in m for m in messages)  # never echo a CHI
    assert count(session) == 0


def test_header_problems_stop_the_import(session: Session, people: dict[str, User], tmp_path: Path) -> None:
    report = import_relationships_csv(session, write_csv(tmp_path, "child_chi,basis,holder,starts_on\n"))
    assert [str(e) for e in report.errors] == [
        "line 1: missing column 'holder_type'",
        "line 1: unknown column 'holder'",
    ]

    empty = import_relationships_csv(session, write_csv(tmp_path, ""))
    assert [e.line for e in empty.errors] == [1]
    only_header = import_relationships_csv(session, write_csv(tmp_path, HEADER))
    assert "no relationship rows" in str(only_header.errors[0])


def test_reimporting_the_same_file_skips_what_exists(session: Session, people: dict[str, User], tmp_path: Path) -> None:
    path = write_csv(tmp_path, HEADER + GOOD_ROWS)
    import_relationships_csv(session, path)

    again = import_relationships_csv(session, path)

    assert again.ok and again.created == 0 and again.skipped == 3
    assert count(session) == 3


def test_a_database_failure_part_way_leaves_nothing(
    session: Session, people: dict[str, User], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_add = importer.add_relationship
    calls = {"n": 0}

    def add_then_fail(*args: Any, **kwargs: Any) -> Relationship:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database went away")
        return real_add(*args, **kwargs)

    monkeypatch.setattr(importer, "add_relationship", add_then_fail)
    with pytest.raises(RuntimeError):
        import_relationships_csv(session, write_csv(tmp_path, HEADER + GOOD_ROWS))

    assert count(session) == 0  # the two rows added before the failure were rolled back too


def test_unreadable_file_is_a_line_one_error(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + "0101151004,health_visitor,user,h\xe9,,,2026-09-01,\n".encode("latin-1"))
    report = import_relationships_csv(session, path)
    assert [e.line for e in report.errors] == [1]
    assert "UTF-8" in report.errors[0].message
