"""A year of a made-up partnership's audit trail, chained exactly as the writer chains it, loaded with COPY.

Entries are built as `AuditInput`s and put in the writer's own canonical form, so
`verify_chain` accepts the result. Building and canonicalising a million entries one by one
takes most of half an hour, so a pool of a few thousand entries is built once, each as its
canonical text and COPY line with markers where the time, sequence, user and child go; an
entry is then a pool member with those four filled in, hashed onto the one before. Every
identifier is made up: nothing personal is written.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from portal.audit import AuditInput, SourceAudit
from portal.audit.canonical import GENESIS_HASH, canonical_entry
from portal.audit.models import audit_entries

AGENCIES = ("health", "social_work", "education", "police", "scra")
ORGANISATIONS = tuple(f"{agency}: Bench {name}" for agency in AGENCIES for name in ("North", "South", "East"))
PURPOSES = ("child_protection", "girfec_wellbeing", "lead_professional_review", "health_care", "emergency")
ROLES = ("practitioner", "lead_professional")
CLAUSES = tuple(f"ISP-BENCH-{n // 4 + 1} §{n % 4 + 1}" for n in range(24))
STATUSES = (("answered", 80), ("no_record", 12), ("withheld", 4), ("timed_out", 2), ("failed", 2))
# (event type, weight): mostly views and searches, with refusals and break-glass in realistic proportion.
EVENTS = (("view_child", 55), ("chronology_page", 12), ("print", 2), ("search", 20), ("refused", 3),
          ("break_glass_start", 1), ("sign_in", 5), ("audit_read", 2))
COLUMNS = tuple(column.name for column in audit_entries.columns)
JSON_COLUMNS = {"subject_identifiers", "agreements", "sources", "details"}
POOL = 8192
USERS = 400
# Markers filled in per entry: none can occur in a pool entry's own text.
SEQUENCE, TIME, USER, CHILD, PREV, HASH = "918273645546372", "@@T@@", "@@U@@", "@@C@@", "@@P@@", "@@H@@"


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in table], weights=[weight for _, weight in table])[0]


def _source(rng: random.Random, agency: str) -> SourceAudit:
    status = _weighted(rng, STATUSES)
    elapsed = 3000 if status == "timed_out" else int(rng.lognormvariate(4.5, 0.6))
    items = rng.randint(1, 40) if status == "answered" else 0
    return SourceAudit(
        agency, status, elapsed, items,
        withheld_categories=("cat_a",) if status == "withheld" or rng.random() < 0.1 else (),
        restricted_withheld=rng.randint(1, 3) if status == "answered" and rng.random() < 0.05 else 0,
        sealed_notices=1 if status == "answered" and rng.random() < 0.01 else 0,
        candidates=rng.randint(1, 2) if status == "no_record" and rng.random() < 0.3 else 0,
        dropped_wrong_child=1 if status == "answered" and rng.random() < 0.005 else 0,
    )


def synthetic_entry(rng: random.Random, user_id: str, chi: str) -> AuditInput:
    """One made-up event by `user_id`, about the child `chi` where the event has one."""
    event = _weighted(rng, EVENTS)
    common: dict[str, Any] = {"user_id": user_id, "user_role": rng.choice(ROLES),
                              "organisation": rng.choice(ORGANISATIONS), "team": "Bench team",
                              "purpose_code": rng.choice(PURPOSES)}
    if event in ("view_child", "chronology_page", "print", "search"):
        return AuditInput(event_type=event, subject_chi=chi, purpose_of_use="COC", relationship_basis="named_person",
                          agreements=tuple(rng.sample(CLAUSES, 3)),
                          sources=tuple(_source(rng, agency) for agency in AGENCIES), **common)
    if event == "refused":
        return AuditInput(event_type=event, outcome=4, outcome_text="no relationship", subject_chi=chi, **common)
    if event == "break_glass_start":
        return AuditInput(event_type=event, subject_chi=chi, break_glass=True, break_glass_reason="bench: emergency",
                          **common)
    return AuditInput(event_type=event, **common)


def _copy_text(name: str, value: Any) -> str:
    """A value in COPY's text format (tab-separated, backslash escapes, \\N for null)."""
    if value is None:
        return "\\N"
    if name in JSON_COLUMNS:
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bool):
        value = "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@dataclass(frozen=True)
class PoolEntry:
    """One entry's canonical text and COPY line, with the markers still in."""

    canonical: str
    line: str


def pool_entry(rng: random.Random) -> PoolEntry:
    values = synthetic_entry(rng, USER, CHILD).column_values()
    values.update(sequence=int(SEQUENCE), recorded_at=TIME)
    canonical = canonical_entry(values)
    values.update(prev_hash=PREV, entry_hash=HASH)
    line = "\t".join(_copy_text(name, values[name]) for name in COLUMNS) + "\n"
    return PoolEntry(canonical, line)


def chained_lines(count: int, start: datetime, span: timedelta, seed: int = 7, batch: int = 20_000) -> Iterator[str]:
    """COPY text for `count` entries spread evenly over `span` from `start`, each hashed onto the one before, in
    pieces of `batch` lines (a million lines at once would hold well over a gigabyte)."""
    rng = random.Random(seed)
    pool = [pool_entry(rng) for _ in range(POOL)]
    draw = rng.random
    naive_start = start.astimezone(UTC).replace(tzinfo=None)
    step = span / count
    prev_hash = GENESIS_HASH
    lines: list[str] = []
    for sequence in range(1, count + 1):
        chosen = pool[int(draw() * POOL)]
        stamp = (naive_start + step * sequence).isoformat(timespec="microseconds") + "Z"
        user = f"bench-user-{int(draw() * USERS) + 1}"
        chi = f"{int(draw() * 28) + 1:02d}{int(draw() * 12) + 1:02d}{int(draw() * 15) + 10:02d}{sequence % 10000:04d}"
        number = str(sequence)
        canonical = chosen.canonical.replace(TIME, stamp).replace(USER, user).replace(CHILD, chi) \
            .replace(SEQUENCE, number)
        entry_hash = hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
        lines.append(chosen.line.replace(TIME, stamp).replace(USER, user).replace(CHILD, chi)
                     .replace(SEQUENCE, number).replace(PREV, prev_hash).replace(HASH, entry_hash))
        prev_hash = entry_hash
        if len(lines) == batch:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def load(engine: Engine, count: int, *, end: datetime, span: timedelta = timedelta(days=365)) -> float:
    """COPY `count` chained entries ending at `end` into an empty PostgreSQL store; returns seconds taken."""
    began = time.perf_counter()
    columns = ", ".join(COLUMNS)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY audit_entries ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for piece in chained_lines(count, end - span, span):
                copy.write(piece)
        raw.commit()
        print(f"  copied ({time.perf_counter() - began:.0f} s)", flush=True)
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("ANALYZE audit_entries")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - began
