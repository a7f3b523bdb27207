"""A year of a made-up partnership's audit trail, chained exactly as the writer chains it, loaded with COPY.

Entries are built as `AuditInput`s and hashed with the writer's own canonical form, so
`verify_chain` accepts the result; COPY is what makes a million of them load in
minutes rather than hours. Every identifier is made up: nothing personal is written.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from portal.audit import AuditInput, SourceAudit
from portal.audit.canonical import GENESIS_HASH, entry_hash_of
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


def synthetic_entry(rng: random.Random, n: int) -> AuditInput:
    event = _weighted(rng, EVENTS)
    organisation = rng.choice(ORGANISATIONS)
    common: dict[str, Any] = {"user_id": f"bench-user-{rng.randint(1, 400)}", "user_role": rng.choice(ROLES),
                              "organisation": organisation, "team": "Bench team", "purpose_code": rng.choice(PURPOSES)}
    chi = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(10, 24):02d}{n % 10000:04d}"
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


def chained_rows(count: int, start: datetime, span: timedelta, seed: int = 7) -> Iterator[dict[str, Any]]:
    """`count` entries spread evenly over `span` from `start`, each hashed onto the one before."""
    rng = random.Random(seed)
    prev_hash = GENESIS_HASH
    step = span / count
    for sequence in range(1, count + 1):
        values = synthetic_entry(rng, sequence).column_values()
        values.update(sequence=sequence, recorded_at=(start + step * sequence).astimezone(UTC), prev_hash=prev_hash)
        values["entry_hash"] = entry_hash_of(values)
        prev_hash = values["entry_hash"]
        yield values


def _copy_value(name: str, value: Any) -> Any:
    if name in JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False)
    return value


def load(engine: Engine, count: int, *, end: datetime, span: timedelta = timedelta(days=365),
         report_every: int = 100_000) -> float:
    """COPY `count` chained entries ending at `end` into an empty PostgreSQL store; returns seconds taken."""
    began = time.perf_counter()
    columns = ", ".join(COLUMNS)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY audit_entries ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for values in chained_rows(count, end - span, span):
                copy.write_row(tuple(_copy_value(name, values[name]) for name in COLUMNS))
                if values["sequence"] % report_every == 0:
                    print(f"  loaded {values['sequence']:,} entries ({time.perf_counter() - began:.0f} s)",
                          flush=True)
        raw.commit()
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("ANALYZE audit_entries")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - began
