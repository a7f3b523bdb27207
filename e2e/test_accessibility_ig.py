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
    "/ig/audit/{view}",
    "/ig/break-glass",
    "/ig/break-glass/{start}",
    "/ig/dashboard",
    "/ig/who-viewed",
    "/ig/exports",
]
# Pages reached through a POSTed form (the CHI stays out of the address): (start page, field values, button).
IG_FORM_STATES = {
    "trail search results": ("/ig/audit", {"chi": SWEEP_CHI}, "Search"),
    "trail search errors": ("/ig/audit", {"chi": "12", "from-day": "31", "from-month": "2", "from-year": "2026"},
                            "Search"),
    "who-viewed report": ("/ig/who-viewed", {"chi": SWEEP_CHI}, "Produce report"),
    "who-viewed error": ("/ig/who-viewed", {"chi": "abc"}, "Produce report"),
}


@pytest.mark.parametrize("path", IG_PAGES)
def test_ig_pages_have_no_violations(signed_in, base_url: str, sweep_entries, path: str) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("ig.officer")
    page.goto(f"{base_url}{path.format(**sweep_entries)}")
    assert violations(page) == []


@pytest.mark.parametrize("state", list(IG_FORM_STATES))
def test_ig_form_answers_have_no_violations(signed_in, base_url: str, sweep_entries, state: str) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("ig.officer")
    path, values, button = IG_FORM_STATES[state]
    page.goto(f"{base_url}{path}")
    for name, value in values.items():
        page.locator(f"input[name='{name}']").fill(value)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    assert SWEEP_CHI not in page.url
    assert violations(page) == []


def test_export_error_has_no_violations(signed_in, base_url: str, sweep_entries) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("ig.officer")
    page.goto(f"{base_url}/ig/exports")
    page.get_by_label("Only this child's CHI number (optional)").fill("12")
    page.get_by_role("button", name="Download export").click()
    page.wait_for_selector(".govuk-error-summary")
    assert violations(page) == []


def test_review_error_state_has_no_violations(signed_in, base_url: str, sweep_entries) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("ig.officer")
    page.goto(f"{base_url}/ig/break-glass/{sweep_entries['start']}")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_selector(".govuk-error-summary")
    assert violations(page) == []
