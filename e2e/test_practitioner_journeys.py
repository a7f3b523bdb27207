"""The practitioner's page (issue 13) in Chromium: the journeys that broke, and the page that reflows.

Back returns to the results; focus lands on the updated region's heading; filters live in the
address; print counts what the screen counts; nothing scrolls sideways at 320 px; a hung agency
is said out loud; the timeline key is the same for every child and its markers take focus.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.accessibility import violations
from e2e.pages import SignInPage
from e2e.pages_children import ChildPage, RefusedPage, ResultsPage, SearchPage
from tests.support.accounts import TEST_PASSWORD
from tests.support.sandbox import set_fault

NARROW = {"width": 320, "height": 640}


def _open(page: Page, base_url: str, chi: str) -> ChildPage:
    return SearchPage(page, base_url).open().search_chi(chi).open().wait_loaded()


def _scroll_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _matching(page: Page) -> int:
    return int(page.get_by_test_id("matching-count").inner_text())


def test_back_from_a_child_returns_to_the_results(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    child = sandbox.child("multi_agency")
    results = SearchPage(page, base_url).open().search_chi(child["chi"])
    results_url = page.url
    assert "/children/results/" in results_url and child["chi"] not in results_url
    results.open().wait_loaded()
    page.go_back()
    expect(page.get_by_role("heading", name="Search results")).to_be_visible()  # no "Confirm form resubmission"
    assert page.url == results_url
    ResultsPage(page).open().wait_loaded()
    page.get_by_test_id("back-to-results").click()
    expect(page.get_by_role("heading", name="Search results")).to_be_visible()
    assert page.url == results_url
    assert violations(page) == []


def test_focus_after_filtering_and_paging_is_on_the_chronology_heading(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    record = _open(page, base_url, sandbox.child("large")["chi"])
    record.filter_agency("NHS Glenmorven")
    expect(page.locator("#chronology-heading")).to_be_focused()
    assert "agency=health" in page.url, "the filter is in the address"
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 2 of")).to_be_visible()
    expect(page.locator("#chronology-heading")).to_be_focused()
    assert "page=2" in page.url and "agency=health" in page.url
    # Reload (or coming back from print) keeps the filters: they are in the address.
    page.reload()
    record.wait_loaded()
    expect(page.get_by_test_id("chronology-filters").get_by_label("NHS Glenmorven", exact=True)).to_be_checked()
    expect(page.get_by_text("Page 2 of")).to_be_visible()
    assert violations(page) == []


WORDS = "Routine contact record"  # every one of the large child's social work case notes says it


def _words_in(url: str) -> list[str]:
    return [word for word in (*WORDS.split(), WORDS.replace(" ", "+"), WORDS.replace(" ", "%20"))
            if len(word) >= 4 and word.casefold() in url.casefold()]


def test_words_filter_by_keyboard_stays_out_of_the_address_through_paging_reload_and_back(  # type: ignore[no-untyped-def]
        signed_in, base_url: str, sandbox) -> None:
    page: Page = signed_in("lead.professional")
    record = _open(page, base_url, sandbox.child("large")["chi"])
    record.filter_words(WORDS)
    expect(page.locator("#chronology-heading")).to_be_focused()
    expect(page.get_by_test_id("chronology-filters").get_by_label("Words in the event")).to_have_value(WORDS)
    assert "words=" in page.url and _words_in(page.url) == [], "the words travel as a reference, never as typed"
    first = record.chronology_texts()
    assert len(first) == 50 and all(WORDS.casefold() in row.casefold() for row in first)
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 2 of")).to_be_visible()
    expect(page.locator("#chronology-heading")).to_be_focused()
    assert "page=2" in page.url and _words_in(page.url) == []
    second = record.chronology_texts()
    assert all(WORDS.casefold() in row.casefold() for row in second) and not set(second) & set(first)
    page.reload()  # the address alone brings the same filtered page back
    record.wait_loaded()
    expect(page.get_by_text("Page 2 of")).to_be_visible()
    expect(page.get_by_test_id("chronology-filters").get_by_label("Words in the event")).to_have_value(WORDS)
    assert record.chronology_texts() == second
    page.go_back()
    expect(page.get_by_text("Page 1 of")).to_be_visible()
    assert record.chronology_texts() == first and _words_in(page.url) == []
    assert violations(page) == []
    page.get_by_test_id("print-choice").get_by_role("button", name="Print the summary and chronology").click()
    expect(page.get_by_test_id("print-filters")).to_contain_text(WORDS)
    assert _words_in(page.url) == []


def test_a_words_reference_that_cannot_be_read_gives_the_unfiltered_page_and_says_why(  # type: ignore[no-untyped-def]
        signed_in, base_url: str, sandbox) -> None:
    page: Page = signed_in("lead.professional")
    record = _open(page, base_url, sandbox.child("multi_agency")["chi"])
    unfiltered = _matching(page)
    record.filter_words("home", all_events=False)
    expect(page.locator("#chronology-heading")).to_be_focused()
    assert _matching(page) < unfiltered
    spoiled = re.sub(r"words=[^&#]+", "words=not-a-reference", page.url)
    assert spoiled != page.url
    page.goto(spoiled)
    record.wait_loaded()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("have expired or were typed in another session")
    expect(page.get_by_test_id("chronology-filters").get_by_label("Words in the event")).to_have_value("")
    assert _matching(page) == unfiltered
    summary.get_by_role("link").click()
    expect(page.get_by_label("Words in the event")).to_be_focused()
    assert violations(page) == []


def test_without_javascript_the_words_filter_is_posted_and_pages_on(browser, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        SignInPage(page, base_url).open().sign_in("lead.professional", TEST_PASSWORD)
        SearchPage(page, base_url).open().search_chi(sandbox.child("large")["chi"])
        page.get_by_role("link", name="Open record").first.click()
        page.get_by_role("link", name="Show the record").click()
        record = ChildPage(page).wait_loaded()
        filters = page.get_by_test_id("chronology-filters")
        filters.get_by_label("All events", exact=True).check()
        filters.get_by_label("Words in the event").fill(WORDS)
        filters.get_by_role("button", name="Apply filters").click()
        expect(page.get_by_text("Page 1 of")).to_be_visible()
        assert "words=" in page.url and _words_in(page.url) == []
        assert all(WORDS.casefold() in row.casefold() for row in record.chronology_texts())
        page.get_by_role("link", name="Next page").click()
        expect(page.get_by_text("Page 2 of")).to_be_visible()
        assert all(WORDS.casefold() in row.casefold() for row in record.chronology_texts())
        assert _words_in(page.url) == []
    finally:
        context.close()


def test_print_counts_exactly_what_the_filtered_screen_counts(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    _open(page, base_url, sandbox.child("multi_agency")["chi"])
    unfiltered = _matching(page)
    filters = page.get_by_test_id("chronology-filters")
    filters.get_by_label("Safe", exact=True).check()
    filters.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#chronology-heading")).to_be_focused()
    on_screen = _matching(page)
    assert 0 < on_screen < unfiltered
    page.get_by_role("button", name="Print the summary and chronology").click()
    expect(page.get_by_test_id("print-marking")).to_contain_text("OFFICIAL-SENSITIVE")
    assert _matching(page) == on_screen
    expect(page.locator("[data-testid=chronology-table] tr[data-agency]")).to_have_count(on_screen)
    expect(page.get_by_test_id("print-filters")).to_contain_text("Safe")
    expect(page.get_by_test_id("timeline")).to_be_visible()
    # Sections can be left out; the filters stay.
    sections = page.get_by_test_id("print-sections")
    sections.get_by_label("Key information summary").uncheck()
    sections.get_by_label("Timeline").uncheck()
    sections.get_by_role("button", name="Update what to print").click()
    expect(page.get_by_test_id("timeline")).to_have_count(0)
    expect(page.get_by_test_id("kis")).to_have_count(0)
    assert _matching(page) == on_screen
    assert violations(page) == []
    page.get_by_role("link", name="Back to the record").click()
    ChildPage(page).wait_loaded()
    expect(page.get_by_test_id("chronology-filters").get_by_label("Safe", exact=True)).to_be_checked()


def test_nothing_scrolls_sideways_at_320_css_pixels(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    page.set_viewport_size(NARROW)
    search = SearchPage(page, base_url).open()
    assert _scroll_width(page) <= 320
    search.search_chi(sandbox.child("large")["chi"])
    assert _scroll_width(page) <= 320, "results"
    ResultsPage(page).open().wait_loaded()
    assert _scroll_width(page) <= 320, "the child's page"
    expect(page.get_by_test_id("timeline-offer")).to_be_visible()  # a long history: drawn when asked for
    assert violations(page) == []
    page.get_by_test_id("draw-timeline").click()
    expect(page.get_by_test_id("timeline-list")).to_be_visible()  # the drawing's narrow form
    expect(page.locator(".portal-timeline__svg")).to_be_hidden()
    assert _scroll_width(page) <= 320, "the drawn timeline"
    assert violations(page) == []


def test_ig_search_and_admin_list_reflow_at_320_css_pixels(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("ig.officer")
    page.set_viewport_size(NARROW)
    page.goto(f"{base_url}/ig/audit")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert _scroll_width(page) <= 320, "IG search"
    page.goto(f"{base_url}/ig/who-viewed")  # the CHI is POSTed, never put in an address
    page.get_by_label("Child's CHI number").fill(sandbox.child("multi_agency")["chi"])
    page.get_by_role("button", name="Produce report").click()
    expect(page.get_by_test_id("who-viewed-report")).to_be_visible()
    assert _scroll_width(page) <= 320, "who viewed"
    admin: Page = page.context.browser.new_page(viewport=NARROW)
    try:
        SignInPage(admin, base_url).open().sign_in("admin", TEST_PASSWORD)
        admin.goto(f"{base_url}/admin/relationships")
        expect(admin.get_by_test_id("relationships-table")).to_be_visible()
        assert _scroll_width(admin) <= 320, "admin list"
    finally:
        admin.close()


def test_a_hung_agency_is_said_above_the_chronology_and_in_its_lane(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("lead.professional")
    set_fault(sandbox, "police", "hang")
    try:
        _open(page, base_url, sandbox.child("multi_agency")["chi"])
        expect(page.get_by_test_id("incomplete-banner")).to_contain_text("Police Scotland did not answer in time")
        expect(page.get_by_test_id("chronology-incomplete")).to_contain_text("This chronology may be incomplete")
        expect(page.locator("[data-testid=timeline] g[data-agency=police]")).to_contain_text("may be incomplete")
        assert violations(page) == []
    finally:
        set_fault(sandbox, "police", None)


def test_the_timeline_key_is_the_same_for_two_children_and_markers_take_focus(signed_in, base_url: str,  # type: ignore[no-untyped-def]
                                                                              sandbox) -> None:
    page: Page = signed_in("lead.professional")
    key = page.locator("[data-testid=timeline-key] li")
    _open(page, base_url, sandbox.child("multi_agency")["chi"])
    first = key.all_inner_texts()
    first_svg = page.locator("[data-testid=timeline-key]").inner_html()
    _open(page, base_url, sandbox.child("large")["chi"])
    # A long history's timeline is drawn on request, by keyboard too: focus then moves to it, and it is announced.
    page.get_by_test_id("draw-timeline").focus()
    page.keyboard.press("Enter")
    expect(page.locator("figure#timeline[data-testid=timeline]")).to_be_focused()
    expect(page.locator("#timeline-announce")).to_contain_text("The timeline of")
    assert violations(page) == []
    assert key.all_inner_texts() == first and len(first) > 15
    assert page.locator("[data-testid=timeline-key]").inner_html() == first_svg, "same shapes and colours"
    # Markers are reached by keyboard and say what they are.
    marker = page.locator(".portal-timeline__marker").first
    marker.focus()
    expect(marker).to_be_focused()
    label = marker.get_attribute("aria-label") or ""
    assert ": " in label
    expect(page.locator("[data-timeline-readout]")).to_have_text(label)
    page.keyboard.press("Tab")
    expect(page.locator(".portal-timeline__marker").nth(1)).to_be_focused()


def test_without_javascript_the_waiting_page_says_what_will_happen(browser, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        SignInPage(page, base_url).open().sign_in("lead.professional", TEST_PASSWORD)
        SearchPage(page, base_url).open().search_chi(sandbox.child("multi_agency")["chi"])
        page.get_by_role("link", name="Open record").first.click()
        # Nothing is being asked yet, so the page must not say so or spin.
        expect(page.get_by_text("Asking every agency now")).to_be_hidden()
        expect(page.locator(".portal-spinner").first).to_be_hidden()
        expect(page.get_by_text("The record is not loaded yet")).to_be_visible()
        page.get_by_role("link", name="Show the record").click()
        ChildPage(page).wait_loaded()
        expect(page.get_by_test_id("safety")).to_be_visible()
    finally:
        context.close()


def test_break_glass_errors_per_field_uk_time_and_a_banner_that_stays(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    page: Page = signed_in("teacher")
    # Journeys share one portal: access uses [-1] and [-3], notifications [-2]; a grant left by one must not open
    # this child for the teacher.
    child = [c for c in sandbox.children("multi_agency") if c.get("chi")][-4]
    SearchPage(page, base_url).open().search_chi(child["chi"]).open()
    RefusedPage(page)
    expect(page.get_by_test_id("change-purpose")).to_be_visible()  # a refusal offers another purpose
    page.get_by_role("button", name="Break the glass and open the record").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_count(2)  # one message for each empty field
    expect(summary).to_contain_text("Select why this is an emergency")
    expect(summary).to_contain_text("Explain why you need to see this child's information now")
    assert violations(page) == []
    RefusedPage(page).break_glass("Immediate risk of significant harm to the child",
                                  "Child arrived at school injured; social worker not reachable.")
    ChildPage(page).wait_loaded()
    banner = page.get_by_test_id("break-glass-banner")
    text = banner.inner_text()
    assert "UTC" not in text and re.search(r"Access ends at \d\d:\d\d (GMT|BST)", text), text
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(banner).to_be_in_viewport()  # it stays in view while the record scrolls
    banner.get_by_role("button", name="End break-glass access now").click()
    expect(page.get_by_text("Break-glass access ended.")).to_be_visible()
