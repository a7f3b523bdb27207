"""The SQL aggregation gives the same, right figures on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from portal.audit import AuditInput, AuditWriter, SourceAudit
from portal.audit.flow_queries import flows_for_period
from portal.audit.governance_queries import governance_for_period
from tests.support.audit_store import migrated_audit_engine

NOV = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
DEC = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_audit_engine(request.param, tmp_path, "transparency_sql") as made:
        yield made


def _view(org: str, role: str, purpose: str, *sources: SourceAudit, chi: str | None = "0101011237",
          agreements: tuple[str, ...] = ()) -> AuditInput:
    return AuditInput(event_type="view_child", organisation=org, user_role=role, purpose_code=purpose,
                      subject_chi=chi, sources=sources, agreements=agreements, user_id="u1")


def _seed(engine: Engine) -> None:
    def at(moment: datetime, *entries: AuditInput) -> None:
        AuditWriter(engine, clock=lambda: moment).record_many(list(entries))

    health = "health: NHS Glenmorven"
    at(NOV,
       _view(health, "practitioner", "child_protection",
             SourceAudit("health", "answered", 100, 5, restricted_withheld=2, sealed_notices=1),
             SourceAudit("police", "timed_out", 3000), SourceAudit("education", "withheld",
                                                                   withheld_categories=("attendance", "exclusions")),
             agreements=("ISP-1 §1",)),
       _view(health, "lead_professional", "child_protection",
             SourceAudit("health", "answered", 200, 7, dropped_wrong_child=3),
             SourceAudit("police", "failed", 40), agreements=("ISP-1 §1", "ISP-2 §4")))
    at(DEC,
       _view("police: Police Scotland", "practitioner", "girfec_wellbeing",
             SourceAudit("health", "no_record", 60, candidates=2), SourceAudit("police", "answered", 80, 1)),
       _view(health, "practitioner", "girfec_wellbeing", SourceAudit("education", "no_record", 30), chi=None),
       AuditInput(event_type="refused", outcome=4, organisation="education: Council", user_role="practitioner",
                  purpose_code="child_protection", subject_chi="0101011237"),
       AuditInput(event_type="break_glass_start", organisation="education: Council", user_role="practitioner",
                  purpose_code="child_protection", break_glass=True, break_glass_reason="r"),
       AuditInput(event_type="view_child", outcome=4, organisation=health, purpose_code="child_protection",
                  sources=(SourceAudit("health", "answered", 10, 9),)),  # not a success: not a view
       AuditInput(event_type="search", organisation=health, purpose_code="child_protection",
                  sources=(SourceAudit("scra", "answered", 500, 1),)))


def test_flows_and_stoppages_for_a_period(engine: Engine) -> None:
    _seed(engine)
    flows = flows_for_period(engine, NOV - timedelta(days=1), DEC + timedelta(days=1))
    assert sorted(flows.views_by_org_role, key=str) == sorted([
        ("health: NHS Glenmorven", "lead_professional", 1), ("health: NHS Glenmorven", "practitioner", 2),
        ("police: Police Scotland", "practitioner", 1)], key=str)
    assert ("child_protection", "health", 2, 2, 12) in flows.sources_by_purpose_agency
    assert dict((row[0], (row[1], row[2])) for row in flows.stops_by_reason) == {
        "category_not_agreed": (1, 2), "restricted_withheld": (1, 2), "sealed_notice": (1, 0),
        "timed_out": (1, 0), "failed": (1, 0), "wrong_person_dropped": (1, 3),
        "not_matched": (2, 0),  # a candidate to confirm at health; no CHI at education
        "refused": (1, 0), "break_glass": (1, 0)}
    assert ("girfec_wellbeing", "health", "not_matched", 1) in flows.stops_by_purpose_agency
    assert ("education: Council", "refused", 1) in flows.stops_by_org
    assert sorted(flows.views_by_month) == [("2026-11", 2), ("2026-12", 2)]
    assert ("2026-12", "break_glass", 1) in flows.stops_by_month


def test_a_period_counts_only_its_own_entries(engine: Engine) -> None:
    _seed(engine)
    december = flows_for_period(engine, datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert december.total_views == 2
    assert {row[0] for row in december.stops_by_reason} == {"not_matched", "refused", "break_glass"}


def test_governance_clause_use_pairs_and_weekly_reliability(engine: Engine) -> None:
    _seed(engine)
    found = governance_for_period(engine, NOV - timedelta(days=1), DEC + timedelta(days=1))
    assert found.clause_use == [("ISP-1 §1", 2), ("ISP-2 §4", 1)]
    assert ("health", "police", "timed_out", 1) in found.stop_pairs
    assert ("education", None, "refused", 1) in found.stop_pairs
    weeks = {(row[0], row[1]): row[2:] for row in found.reliability}
    # Week of Monday 9 November: health answered twice (100 and 200 ms: nearest-rank p95 is 200).
    assert weeks[("2026-11-09", "health")] == (2, 2, 0, 0, 0, 0, 200)
    assert weeks[("2026-11-09", "police")] == (2, 0, 0, 0, 1, 1, None)
    assert weeks[("2026-11-30", "scra")] == (1, 1, 0, 0, 0, 0, 500)  # searches ask agencies too
