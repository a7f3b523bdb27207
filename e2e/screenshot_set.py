"""`make screenshots`: every main page at 1366x768 and 390x844, for reviewers to look at in one go.

Not part of `make test` (the file name does not start with test_); run it as
`pytest e2e/screenshot_set.py`. It uses the same live portal, sandbox and accounts as the
browser tests. Pictures go to SCREENSHOT_DIR (default: screenshots/, which git ignores).
Each page is also checked for horizontal scrolling and by axe, so a broken page is noticed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.accessibility import violations
from e2e.pages import SignInPage
from e2e.pages_children import RefusedPage, SearchPage
from e2e.pages_ig import WhoViewedPage
from e2e.servers import PROJECT_ROOT
from tests.support.accounts import TEST_PASSWORD

expect.set_options(timeout=15_000)  # a set of 26 pages on a busy machine: allow slow agencies, not flakes
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
OUT = Path(os.environ.get("SCREENSHOT_DIR") or PROJECT_ROOT / "screenshots")


def _signed_in(browser: Browser, base_url: str, size: dict[str, int], username: str | None) -> Page:
    page = browser.new_page(viewport=size)
    if username:
        SignInPage(page, base_url).open().sign_in(username, TEST_PASSWORD)
        page.wait_for_url(f"{base_url}/")
    return page


def _child(chi: str) -> Callable[[Page, str], None]:
    def reach(page: Page, base_url: str) -> None:
        SearchPage(page, base_url).open().search_chi(chi).open().wait_loaded()
    return reach


def _results(chi: str) -> Callable[[Page, str], None]:
    def reach(page: Page, base_url: str) -> None:
        SearchPage(page, base_url).open().search_chi(chi)
    return reach


def _print(chi: str) -> Callable[[Page, str], None]:
    def reach(page: Page, base_url: str) -> None:
        _child(chi)(page, base_url)
        page.get_by_role("button", name="Print the summary and chronology").click()
        expect(page.get_by_test_id("print-marking")).to_be_visible()
    return reach


def _refused(chi: str) -> Callable[[Page, str], None]:
    def reach(page: Page, base_url: str) -> None:
        SearchPage(page, base_url).open().search_chi(chi).open()
        RefusedPage(page)
    return reach


def _go(path: str) -> Callable[[Page, str], None]:
    def reach(page: Page, base_url: str) -> None:
        page.goto(f"{base_url}{path}")
    return reach


def _pages(sandbox) -> list[tuple[str, str | None, Callable[[Page, str], None]]]:  # type: ignore[no-untyped-def]
    story, large = sandbox.child("multi_agency")["chi"], sandbox.child("large")["chi"]
    return [
        ("01-sign-in", None, _go("/sign-in")),
        ("02-home", "lead.professional", _go("/")),
        ("03-find-a-child", "lead.professional", _go("/children/search")),
        ("04-search-results", "lead.professional", _results(story)),
        ("05-child", "lead.professional", _child(story)),
        ("06-child-large", "lead.professional", _child(large)),
        ("07-print", "lead.professional", _print(story)),
        ("08-refused", "teacher", _refused(story)),
        ("09-ig-dashboard", "ig.officer", _go("/ig/dashboard")),
        ("10-ig-audit-search", "ig.officer", _go("/ig/audit")),
        ("11-ig-who-viewed", "ig.officer", lambda page, base_url: WhoViewedPage(page, base_url).produce(story)),
        ("12-ig-break-glass-queue", "ig.officer", _go("/ig/break-glass")),
        ("13-admin-relationships", "admin", _go("/admin/relationships")),
    ]


@pytest.mark.parametrize("size_name", list(SIZES))
def test_screenshot_set(browser: Browser, base_url: str, sandbox, size_name: str) -> None:  # type: ignore[no-untyped-def]
    size = SIZES[size_name]
    folder = OUT / size_name
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for name, username, reach in _pages(sandbox):
        page = _signed_in(browser, base_url, size, username)
        try:
            reach(page, base_url)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
            page.screenshot(path=str(folder / f"{name}-full.png"), full_page=True)
            width = int(page.evaluate("document.documentElement.scrollWidth"))
            if width > size["width"]:
                problems.append(f"{name}: {width} px wide at {size['width']} px")
            problems += [f"{name}: {v}" for v in violations(page)]
        finally:
            page.close()
    print(f"Screenshots of {len(_pages(sandbox))} pages at {size['width']}x{size['height']} in {folder}")
    assert problems == []
