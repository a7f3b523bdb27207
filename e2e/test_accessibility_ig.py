"""The axe sweep over the IG workspace: every page and state an IG officer sees, with no violations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page

from e2e.accessibility import violations
from e2e.pages_ig import seed_audit
from portal.audit.entry import AuditInput, SourceAudit

SWEEP_CHI = "1005185002"  # its own child: the IG journeys count entries for theirs


@pytest.fixture(scope="module")
def sweep_entries(portal_env) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Enough trail for every chart, flag and table to have something in it."""
    people = [("health.visitor", "Jo Campbell", "health: NHS Glenmorven"),
              ("teacher", "Sam Reid", "education: Glenmorven Council Education"),
              ("police.concern", "Chris Baird", "police: Police Scotland")]
    entries = []
    for user, name, organisation in people:
        common = {"user_id": user, "user_display_name": name, "user_role": "practitioner",
                  "organisation": organisation, "subject_chi": SWEEP_CHI}
        entries.append(AuditInput(event_type="view_child", relationship_basis="none",
                                  sources=(SourceAudit("health", "answered", 50, 3, ("h-1",), ("N",)),), **common))
        entries.append(AuditInput(event_type="refused", outcome=4, **common))
    start = AuditInput(event_type="break_glass_start", user_id="teacher", user_display_name="Sam Reid",
                       organisation="education: Glenmorven Council Education", subject_chi=SWEEP_CHI, break_glass=True,
                       break_glass_reason="Sweep", details={"expires_at": (datetime.now(UTC) + timedelta(hours=1))
                                                            .isoformat()})
    recorded = seed_audit(portal_env["DATABASE_URL"], [*entries, start])
    return {"view": recorded[0].sequence, "start": recorded[-1].sequence}


IG_PAGES = [
    "/ig/audit",
    f"/ig/audit?chi={SWEEP_CHI}",
    "/ig/audit?chi=12&from-day=31&from-month=2&from-year=2026",
    "/ig/audit/{view}",
    "/ig/break-glass",
    "/ig/break-glass/{start}",
    "/ig/dashboard",
    "/ig/who-viewed",
    f"/ig/who-viewed?chi={SWEEP_CHI}",
    "/ig/who-viewed?chi=abc",
    "/ig/exports",
    "/ig/exports/download?format=pdf",
]


@pytest.mark.parametrize("path", IG_PAGES)
def test_ig_pages_have_no_violations(signed_in, base_url: str, sweep_entries, path: str) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("ig.officer")
    page.goto(f"{base_url}{path.format(**sweep_entries)}")
    assert violations(page) == []


def test_review_error_state_has_no_violations(signed_in, base_url: str, sweep_entries) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("ig.officer")
    page.goto(f"{base_url}/ig/break-glass/{sweep_entries['start']}")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_selector(".govuk-error-summary")
    assert violations(page) == []
