"""Importing relationships from a CSV file (`flask portal relationships import FILE.csv`).

All or nothing: every row is checked first, and if any row is wrong nothing is
imported and the report lists each problem with its line number. Error messages
never repeat the CHI, so the report can be shown and logged safely.

Columns (header row required, order free):
    child_chi, basis, holder_type (user|team), username (for a user),
    agency and team (for a team), starts_on, ends_on (optional, inclusive).
Dates are YYYY-MM-DD (UTC days) or full ISO datetimes.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.decision import as_utc
from portal.data.models import Organisation, User
from portal.data.relationships import (
    HOLDER_TEAM,
    HOLDER_USER,
    Relationship,
    RelationshipError,
    add_relationship,
    check_relationship,
)

REQUIRED_COLUMNS = ("child_chi", "basis", "holder_type", "starts_on")
OPTIONAL_COLUMNS = ("username", "agency", "team", "ends_on")


@dataclass(frozen=True)
class RowError:
    """One problem, on one line of the file (line 1 is the header)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows created, exact duplicates skipped, or the errors that stopped it."""

    created: int = 0
    skipped: int = 0
    errors: tuple[RowError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Row:
    line: int
    child_chi: str
    basis: str
    starts_at: datetime
    ends_at: datetime | None
    user_id: int | None
    organisation_id: int | None

    def key(self) -> tuple[object, ...]:
        return (self.child_chi, self.basis, self.user_id, self.organisation_id, self.starts_at, self.ends_at)

    def relationship_fields(self) -> dict[str, Any]:
        """The keywords `check_relationship` and `add_relationship` take for this row."""
        return {
            "child_chi": self.child_chi,
            "basis": self.basis,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "user_id": self.user_id,
            "organisation_id": self.organisation_id,
            "source": "import",
        }


def import_relationships_csv(session: Session, path: str | Path, *, created_by: int | None = None) -> ImportReport:
    """Check every row, then add them all (source 'import'), or add none and report every problem."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header_errors = _check_header(reader.fieldnames)
            if header_errors:
                return ImportReport(errors=tuple(header_errors))
            rows, errors = _read_rows(session, reader)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        return ImportReport(errors=(RowError(1, f"cannot read the file as UTF-8 CSV ({e.__class__.__name__})"),))
    if errors:
        return ImportReport(errors=tuple(errors))
    if not rows:
        return ImportReport(errors=(RowError(1, "the file has no relationship rows"),))
    existing = {_existing_key(r) for r in session.scalars(select(Relationship).where(
        Relationship.child_chi.in_({row.child_chi for row in rows})))}
    created = 0
    skipped = 0
    # A savepoint, so a database failure part-way leaves nothing from this file behind.
    with session.begin_nested():
        for row in rows:
            if row.key() in existing:
                skipped += 1
                continue
            add_relationship(session, **row.relationship_fields(), created_by=created_by)
            created += 1
    return ImportReport(created=created, skipped=skipped)


def _check_header(fieldnames: Sequence[str] | None) -> list[RowError]:
    if not fieldnames:
        return [RowError(1, "the file is empty: it needs a header row")]
    names = [name.strip() for name in fieldnames]
    errors = [RowError(1, f"missing column {column!r}") for column in REQUIRED_COLUMNS if column not in names]
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    errors += [RowError(1, f"unknown column {name!r}") for name in names if name not in known]
    return errors


def _read_rows(session: Session, reader: csv.DictReader[str]) -> tuple[list[_Row], list[RowError]]:
    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[tuple[object, ...], int] = {}
    for raw in reader:
        line = reader.line_num
        values = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str | None)}
        if None in raw:  # csv puts surplus cells under the key None
            errors.append(RowError(line, "more cells than columns"))
            continue
        if not any(values.values()):
            continue  # blank line
        try:
            row = _parse_row(session, line, values)
        except RelationshipError as e:
            errors.append(RowError(line, str(e)))
            continue
        if row.key() in seen:
            errors.append(RowError(line, f"repeats line {seen[row.key()]}"))
            continue
        seen[row.key()] = line
        rows.append(row)
    return rows, errors


def _parse_row(session: Session, line: int, values: dict[str, str]) -> _Row:
    holder_type = values.get("holder_type", "")
    user_id = organisation_id = None
    if holder_type == HOLDER_USER:
        user_id = _user_id(session, values.get("username", ""))
    elif holder_type == HOLDER_TEAM:
        organisation_id = _organisation_id(session, values.get("agency", ""), values.get("team", ""))
    else:
        raise RelationshipError("holder_type must be 'user' or 'team'")
    starts_at = _parse_moment(values.get("starts_on", ""), "starts_on", end=False)
    ends_text = values.get("ends_on", "")
    ends_at = _parse_moment(ends_text, "ends_on", end=True) if ends_text else None
    row = _Row(line, values.get("child_chi", ""), values.get("basis", ""), starts_at, ends_at, user_id,
               organisation_id)
    check_relationship(**row.relationship_fields())
    return row


def _user_id(session: Session, username: str) -> int:
    if not username:
        raise RelationshipError("a user relationship needs a username")
    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise RelationshipError(f"no user with username {username!r}")
    return user_id


def _organisation_id(session: Session, agency: str, team: str) -> int:
    if not agency or not team:
        raise RelationshipError("a team relationship needs agency and team")
    ids = session.scalars(select(Organisation.id).where(Organisation.agency == agency, Organisation.team == team)).all()
    if not ids:
        raise RelationshipError(f"no team {team!r} in agency {agency!r}")
    if len(ids) > 1:
        raise RelationshipError(f"team {team!r} in agency {agency!r} is ambiguous ({len(ids)} organisations)")
    return ids[0]


def _parse_moment(text: str, column: str, *, end: bool) -> datetime:
    """A date means the whole UTC day: a start at its midnight, an (inclusive) end at the next midnight."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(0), tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        raise RelationshipError(f"{column} {text!r} is not a date like 2026-09-01") from None


def _existing_key(relationship: Relationship) -> tuple[object, ...]:
    return (
        relationship.child_chi,
        relationship.basis,
        relationship.user_id,
        relationship.organisation_id,
        as_utc(relationship.starts_at),
        as_utc(relationship.ends_at) if relationship.ends_at is not None else None,
    )


def import_relationships_file(path: str | Path, *, created_by: int | None = None) -> ImportReport:
    """Import a relationships CSV in one transaction of its own (for the CLI and the admin page)."""
    from portal.extensions import db

    with db.session() as session:
        return import_relationships_csv(session, path, created_by=created_by)
