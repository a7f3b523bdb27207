"""Journeys of a lead professional through the child view, in Chromium, against the sandbox agencies."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from e2e.accessibility import violations
from e2e.pages_children import ChildPage, SearchPage
from tests.support.sandbox import set_fault

FIVE = {"health", "social_work", "education", "police", "scra"}


def test_search_by_chi_shows_all_five_agencies_merged_with_the_summary(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    child = sandbox.child("multi_agency")
    results = SearchPage(page, base_url).open().search_chi(child["chi"])
    assert results.names()[0] == f"{child['forename']} {child['surname']}"
    record = results.open().wait_loaded()
    assert record.name() == f"{child['forename']} {child['surname']}"
    assert child["chi"] not in page.url and child["surname"] not in page.url
    assert child["surname"] not in page.title()
    for agency in FIVE:
        assert record.flow_state(agency) == "answered"
    assert record.chronology_agencies() == FIVE
    assert "NHS Glenmorven" in record.kis_source("gp_practice")
    assert record.timeline_lanes() == ["health", "social_work", "education", "police", "scra"]
    assert violations(page) == []


def test_no_chi_police_record_is_confirmed_as_a_candidate(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    child = sandbox.child("no_chi_police")
    results = SearchPage(page, base_url).open().search_name(
        child["forename"], child["surname"], date.fromisoformat(child["birth_date"]))
    record = results.open(f"{child['forename']} {child['surname']}").wait_loaded()
    assert record.flow_state("police") == "no_record"
    candidates = page.get_by_test_id("candidates")
    expect(candidates).to_contain_text("Police Scotland")
    expect(candidates.get_by_test_id("candidate-reasons").first).to_contain_text("date of birth")
    assert violations(page) == []
    candidates.get_by_role("button", name="This is the same child").first.click()
    expect(page.get_by_text("Record confirmed as this child")).to_be_visible()
    record.wait_loaded()
    assert record.flow_state("police") == "answered"
    assert "police" in record.chronology_agencies()


def test_twins_are_two_separate_children(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    twins = sandbox.children("twins")
    results = SearchPage(page, base_url).open().search_name("", twins[0]["surname"],
                                                            date.fromisoformat(twins[0]["birth_date"]))
    names = results.names()
    for twin in twins:
        assert names.count(f"{twin['forename']} {twin['surname']}") == 1


def test_invalid_chi_shows_the_error_summary(signed_in, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    search = SearchPage(page, base_url).open()
    page.get_by_label("CHI number").fill("1904851232")
    search.choose_purpose("Child protection enquiry or IRD")
    page.get_by_role("button", name="Search").click()
    expect(search.error_summary()).to_contain_text("CHI number check digit does not match")
    expect(page).to_have_title("Error: Find a child – Single Child View")
    assert violations(page) == []


def test_filter_narrows_the_chronology_in_place(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    record = SearchPage(page, base_url).open().search_chi(sandbox.child("multi_agency")["chi"]).open().wait_loaded()
    before = record.chronology_row_count()
    url_before = page.url
    page.evaluate("window.portalNotReloaded = true")
    record.filter_agency("Police Scotland")
    expect(page.locator("[data-testid=chronology-table] tr[data-agency=health]")).to_have_count(0)
    assert record.chronology_agencies() == {"police"}
    assert record.chronology_row_count() < before
    # htmx replaced the chronology in place (the page was not reloaded) and put the filter in the address.
    assert page.evaluate("window.portalNotReloaded === true")
    assert page.url != url_before and "agency=police" in page.url
    assert violations(page) == []


def test_a_hung_agency_is_shown_as_timed_out_within_the_deadline(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    set_fault(sandbox, "education", "hang")
    try:
        results = SearchPage(page, base_url).open().search_chi(sandbox.child("multi_agency")["chi"])
        record = results.open()
        pending = page.get_by_test_id("pending-agencies")
        expect(pending).to_be_visible()
        # Per-agency progress: the others are shown as answered while education is still awaited.
        expect(pending.locator("li[data-agency=health][data-state=answered]")).to_be_visible()
        expect(pending.locator("li[data-agency=scra][data-state=answered]")).to_be_visible()
        expect(pending.locator("li[data-agency=education][data-state=waiting]")).to_be_visible()
        record.wait_loaded(timeout_ms=10_000)
        assert record.flow_state("education") == "timed_out"
        assert {record.flow_state(a) for a in FIVE - {"education"}} == {"answered"}
        assert "education" not in record.chronology_agencies()
    finally:
        set_fault(sandbox, "education", None)


def test_large_chronology_pages_in_place(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    record = SearchPage(page, base_url).open().search_chi(sandbox.child("large")["chi"]).open().wait_loaded()
    assert record.chronology_row_count() <= 60
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 2 of")).to_be_visible()
    assert violations(page) == []


def test_print_layout_has_the_marking(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    SearchPage(page, base_url).open().search_chi(sandbox.child("multi_agency")["chi"]).open().wait_loaded()
    page.get_by_role("button", name="Print the summary and chronology").click()
    expect(page.get_by_test_id("print-marking")).to_contain_text("OFFICIAL-SENSITIVE")
    page.emulate_media(media="print")
    expect(page.locator(".portal-print-watermark")).to_be_visible()
    page.emulate_media(media="screen")
    assert violations(page) == []


def test_search_and_results_pages_are_accessible(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    search = SearchPage(page, base_url).open()
    assert violations(page) == []
    search.search_chi(sandbox.child("multi_agency")["chi"])
    assert violations(page) == []
    ChildPage(page)
