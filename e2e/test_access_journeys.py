"""Access-policy journeys in Chromium: refusal and break-glass, sensitivity labels, and 'Why can I see this?'."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.accessibility import violations
from e2e.pages_children import AccessPanel, ChildPage, RefusedPage, SearchPage

JUSTIFICATION = "Child arrived at school with injuries; allocated social worker not reachable by phone."
V_POLICE_TITLE = "Domestic abuse: bail condition breach"  # the cohort's V police item (sandbox/cohort/hard_cases.py)


def _break_glass_child(sandbox) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """A multi-agency child (the teacher never holds one) that no other journey breaks the glass on."""
    return [c for c in sandbox.children("multi_agency") if c.get("chi")][-1]


def test_teacher_is_refused_breaks_the_glass_sees_core_information_only_and_loses_it(  # type: ignore[no-untyped-def]
        signed_in, base_url: str, sandbox) -> None:
    page: Page = signed_in("teacher")
    child = _break_glass_child(sandbox)
    SearchPage(page, base_url).open().search_chi(child["chi"]).open()
    refused = RefusedPage(page)
    assert "no recorded relationship with this child" in refused.reason()
    assert refused.offers_break_glass()
    record_url = page.url
    assert violations(page) == []

    refused.break_glass("Immediate risk of significant harm to the child", JUSTIFICATION)
    record = ChildPage(page).wait_loaded()
    access = AccessPanel(page)
    expect(access.banner()).to_contain_text("You broke the glass to see this child")
    # Only the agreements' break-glass clauses apply: police and the Reporter share nothing under break-glass.
    assert record.flow_state("police") == "withheld"
    assert record.flow_state("scra") == "withheld"
    # The child's plan is shared with the teacher's role for this purpose, but not under break-glass.
    withheld = access.withheld("social_work")
    assert any(line.startswith("Child's plan and review dates") and "not shared under break-glass" in line
               for line in withheld), withheld
    assert record.chronology_agencies() <= {"health", "social_work", "education"}
    expect(access.restricted_rows()).to_have_count(0)
    assert violations(page) == []

    access.end_break_glass()
    expect(page.get_by_text("Break-glass access ended.")).to_be_visible()
    page.goto(record_url)
    again = RefusedPage(page)
    assert re.search(r"Your break-glass access to this child ended at \d\d:\d\d UTC", again.reason())


def test_health_visitor_sees_restricted_health_items_but_not_a_very_restricted_police_item(  # type: ignore[no-untyped-def]
        signed_in, base_url: str, sandbox) -> None:
    page: Page = signed_in("health.visitor")
    restricted = next(c for c in sandbox.children("restricted", "third_party") if "very_restricted" not in c["tags"])
    SearchPage(page, base_url).open().search_chi(restricted["chi"]).open().wait_loaded()
    access = AccessPanel(page)
    assert access.restricted_rows("health").count() >= 1
    why = access.why(access.restricted_rows("health").first)
    assert "It is marked restricted (R); this agreement names your role" in why

    protected = sandbox.child("very_restricted", "multi_agency")
    SearchPage(page, base_url).open().search_chi(protected["chi"]).open().wait_loaded()
    assert access.notices("police") == ["Restricted Restricted information exists – contact Glenmorven Concern Hub"]
    expect(access.chronology_rows("police").filter(has_text=V_POLICE_TITLE)).to_have_count(0)
    expect(page.get_by_text(V_POLICE_TITLE)).to_have_count(0)


def test_why_can_i_see_this_names_the_relationship_purpose_and_clause(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("health.visitor")
    child = next(c for c in sandbox.children("restricted", "third_party") if "very_restricted" not in c["tags"])
    SearchPage(page, base_url).open().search_chi(child["chi"], "Direct health care").open().wait_loaded()
    access = AccessPanel(page)
    answer = access.why(access.chronology_rows("health").first)
    assert "Your access: Health visitor for this child, recorded by an import." in answer
    assert "Purpose: Direct health care." in answer
    assert "Shared under agreement NHSF-INT-2025/1" in answer


def test_admin_records_a_relationship_that_opens_the_record_then_ends_it(  # type: ignore[no-untyped-def]
        signed_in, base_url: str, sandbox, browser) -> None:
    from datetime import date, timedelta

    from e2e.pages import SignInPage
    from e2e.pages_children import AdminRelationshipsPage
    from tests.support.accounts import TEST_PASSWORD

    child = [c for c in sandbox.children("multi_agency") if c.get("chi")][-3]  # not another journey's child
    teacher_context = browser.new_context()
    teacher = teacher_context.new_page()
    SignInPage(teacher, base_url).open().sign_in("teacher", TEST_PASSWORD)
    teacher.wait_for_url(f"{base_url}/")
    SearchPage(teacher, base_url).open().search_chi(child["chi"]).open()
    RefusedPage(teacher)

    page: Page = signed_in("admin")
    admin = AdminRelationshipsPage(page, base_url).open()
    admin.add(child["chi"], "Named person", "Sam Reid (teacher)", date.today() - timedelta(days=1))
    expect(page.get_by_text("Relationship added: Named person, Sam Reid (teacher).")).to_be_visible()
    row = admin.rows().filter(has_text="Sam Reid (teacher)")
    expect(row.get_by_test_id("status")).to_have_text("Active")

    SearchPage(teacher, base_url).open().search_chi(child["chi"]).open().wait_loaded()
    assert "Named person for this child, recorded by an administrator" in AccessPanel(teacher).why(
        AccessPanel(teacher).chronology_rows().first)

    row.get_by_role("button", name="End").click()
    expect(page.get_by_role("heading", name="End this relationship?")).to_be_visible()  # asked before ending
    page.get_by_role("button", name="Yes, end this relationship").click()
    expect(page.get_by_text("Relationship ended: Named person, Sam Reid (teacher).")).to_be_visible()
    SearchPage(teacher, base_url).open().search_chi(child["chi"]).open()
    assert "ended on" in RefusedPage(teacher).reason()
    teacher_context.close()
