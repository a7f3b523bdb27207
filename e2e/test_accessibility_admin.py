"""The axe sweep over the admin relationships page and the access pages (refusal, break-glass), in every state."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.accessibility import violations
from e2e.pages_children import AccessPanel, AdminRelationshipsPage, ChildPage, RefusedPage, SearchPage


@pytest.mark.parametrize("query", ["", "?page=2"])
def test_relationships_list_has_no_violations(signed_in, base_url: str, query: str) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("admin")
    page.goto(f"{base_url}/admin/relationships{query}")
    expect(page.get_by_test_id("relationships-table")).to_be_visible()
    assert violations(page) == []


def test_relationships_filtered_by_child_has_no_violations(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("admin")
    admin = AdminRelationshipsPage(page, base_url).open(sandbox.child("multi_agency")["chi"])
    expect(admin.rows().first).to_be_visible()
    assert violations(page) == []


def test_add_relationship_errors_have_no_violations(signed_in, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("admin")
    admin = AdminRelationshipsPage(page, base_url).open()
    page.get_by_test_id("add-form").get_by_label("Child's CHI number").fill("1904851232")
    page.get_by_role("button", name="Add relationship").click()
    expect(admin.error_summary()).to_contain_text("check digit")
    assert violations(page) == []


def test_import_errors_have_no_violations(signed_in, base_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("admin")
    admin = AdminRelationshipsPage(page, base_url).open()
    bad = tmp_path / "bad.csv"
    bad.write_text("child_chi,basis,holder_type,starts_on\n1904851231,friend,user,2025-01-01\n", encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(admin.error_summary()).to_contain_text("Line 2:")
    assert violations(page) == []


def test_refusal_and_break_glass_pages_have_no_violations(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("teacher")
    child = [c for c in sandbox.children("multi_agency") if c.get("chi")][-2]  # not the journey's child
    SearchPage(page, base_url).open().search_chi(child["chi"]).open()
    refused = RefusedPage(page)
    page.get_by_role("button", name="Break the glass and open the record").click()  # no reason: error state
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert violations(page) == []
    refused.break_glass("Out-of-hours emergency and the relationship holder cannot be reached",
                        "Out-of-hours call about the child; the named person cannot be reached tonight.")
    ChildPage(page).wait_loaded()
    access = AccessPanel(page)
    expect(access.banner()).to_be_visible()
    assert violations(page) == []
    access.end_break_glass()
