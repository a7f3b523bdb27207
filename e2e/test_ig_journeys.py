"""Journeys in the IG workspace: review break-glass, the who-has-viewed report, exports, and the locked door."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import Page, expect

from e2e.pages_ig import BreakGlassQueuePage, ExportsPage, TrailSearchPage, WhoViewedPage, seed_audit
from portal.audit.entry import AuditInput, SourceAudit
from portal.extensions import make_engine

# Made-up CHIs (valid Mod-11), one per journey so the shared live trail never mixes them up.
REVIEW_CHI = "2003184562"
REPORT_CHI = "1502125676"
EXPORT_CHI = "0101011237"


def _by(user: str, name: str, organisation: str, event_type: str, chi: str, **fields: object) -> AuditInput:
    return AuditInput(event_type=event_type, user_id=user, user_display_name=name, user_role="practitioner",
                      organisation=organisation, subject_chi=chi, **fields)  # type: ignore[arg-type]


def _teacher(event_type: str, chi: str, **fields: object) -> AuditInput:
    return _by("teacher", "Sam Reid", "education: Glenmorven Council Education", event_type, chi, **fields)


def test_ig_officer_finds_a_break_glass_event_reviews_and_closes_it(signed_in, base_url: str, portal_env) -> None:  # type: ignore[no-untyped-def]
    expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    start, _ = seed_audit(portal_env["DATABASE_URL"], [
        _teacher("break_glass_start", REVIEW_CHI, break_glass=True,
                 break_glass_reason="Child not collected; need emergency contacts", details={"expires_at": expires}),
        _teacher("view_child", REVIEW_CHI, break_glass=True, break_glass_reason="Child not collected",
                 relationship_basis="break_glass", sources=(SourceAudit("health", "answered", 90, 6),)),
    ])
    page: Page = signed_in("ig.officer")
    search = TrailSearchPage(page, base_url).open()
    search.search(chi=REVIEW_CHI, break_glass="Yes")
    expect(page.get_by_test_id("result-count")).to_contain_text("2 entries found")
    assert REVIEW_CHI not in page.title()
    search.open_entry(start.sequence)
    expect(page.get_by_test_id("entry-fields")).to_contain_text("Child not collected; need emergency contacts")

    queue = BreakGlassQueuePage(page, base_url).open()
    item = page.get_by_test_id("open-queue").locator("li.ig-queue__item").filter(has=queue.review_link(start.sequence))
    expect(item.get_by_test_id("what-was-seen")).to_contain_text("health: 6 items over 1 view")
    queue.decide(start.sequence, "Inappropriate", "The school had the contacts on file; no need to break the glass.")

    expect(page.get_by_text("Review recorded: inappropriate.")).to_be_visible()
    expect(queue.review_link(start.sequence)).to_have_count(0)
    reviewed = page.get_by_test_id("reviewed-list")
    expect(reviewed.get_by_role("row").filter(has_text=f"Entry {start.sequence}")).to_contain_text("Inappropriate")


def test_ig_officer_produces_the_who_has_viewed_report_and_downloads_it(signed_in, base_url: str, portal_env) -> None:  # type: ignore[no-untyped-def]
    seed_audit(portal_env["DATABASE_URL"], [
        _by("health.visitor", "Jo Campbell", "health: NHS Glenmorven", "view_child", REPORT_CHI,
            purpose_code="wellbeing", purpose_of_use="COC", relationship_basis="named_person"),
        _teacher("print", REPORT_CHI, purpose_code="wellbeing", relationship_basis="named_person"),
        _teacher("refused", REPORT_CHI, outcome=4),
    ])
    page: Page = signed_in("ig.officer")
    report = WhoViewedPage(page, base_url).produce(REPORT_CHI)
    rows = report.access_rows()
    assert len(rows) == 2 and "Print" in rows[0] and "Jo Campbell" in rows[1]
    expect(page.get_by_role("button", name="Print this report")).to_be_visible()
    assert REPORT_CHI not in page.title()
    download = report.download_csv()
    assert download.suggested_filename.startswith("who-has-viewed-") and REPORT_CHI not in download.suggested_filename
    lines = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert [line[1] for line in lines[1:]] == ["Print", "View of a child"]


def test_ig_officer_exports_csv_and_fhir(signed_in, base_url: str, portal_env) -> None:  # type: ignore[no-untyped-def]
    seed_audit(portal_env["DATABASE_URL"], [_teacher("view_child", EXPORT_CHI, relationship_basis="named_person")])
    page: Page = signed_in("ig.officer")
    exports = ExportsPage(page, base_url)
    as_csv = exports.download("CSV", chi=EXPORT_CHI)
    assert as_csv.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.path().read_text(encoding="utf-8"))))
    assert {row["subject_chi"] for row in rows} == {EXPORT_CHI}
    assert "view_child" in {row["event_type"] for row in rows}
    as_fhir = exports.download("FHIR R4 AuditEvent Bundle (JSON)", chi=EXPORT_CHI)
    bundle = Bundle.model_validate(json.loads(as_fhir.path().read_text(encoding="utf-8")))
    # Everything in the CSV, plus the record of this FHIR export (written before the trail was read).
    assert len(bundle.entry) == len(rows) + 1


def test_a_practitioner_cannot_reach_the_workspace_and_is_recorded(signed_in, base_url: str, portal_env) -> None:  # type: ignore[no-untyped-def]
    from portal.audit.queries import search_entries

    page: Page = signed_in("teacher")
    expect(page.get_by_role("link", name="Audit trail")).to_have_count(0)
    page.goto(f"{base_url}/ig/break-glass")
    expect(page.get_by_role("heading", name="You do not have permission to see this page")).to_be_visible()
    engine = make_engine(portal_env["DATABASE_URL"])
    try:
        refused = search_entries(engine, user="teacher", event_type="refused", limit=1)
    finally:
        engine.dispose()
    assert refused and refused[0].details == {"route": "break_glass_queue"}
