"""Sessions in the browser: the warning before the idle timeout, "Stay signed in", and what a timed-out
page does when the user comes back to it. A portal process of its own with an 18-second idle limit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e import servers
from e2e.accessibility import violations
from e2e.pages import SignInPage
from e2e.pages_children import SearchPage
from sandbox.launcher import free_port
from tests.support.accounts import TEST_PASSWORD

IDLE_S = 18  # SESSION_IDLE_MINUTES=0.3
WARNING_S = 9  # at most half the idle limit


@pytest.fixture(scope="module")
def short_idle_portal(portal_env: dict[str, str], e2e_dir: Path) -> Iterator[str]:
    port = free_port()
    env = {**portal_env, "SESSION_IDLE_MINUTES": "0.3", "SESSION_WARNING_SECONDS": "10",
           "INSTANCE_PATH": str(e2e_dir / "short-idle-instance")}
    process = servers.start_portal(port, env, e2e_dir / "short-idle-portal.log")
    yield f"http://127.0.0.1:{port}"
    servers.stop(process)


def _sign_in(page: Page, base: str, username: str = "lead.professional") -> None:
    SignInPage(page, base).open().sign_in(username, TEST_PASSWORD)
    page.wait_for_url(f"{base}/")


def test_a_warning_comes_before_the_timeout_and_stay_signed_in_keeps_the_session(
        page: Page, short_idle_portal: str) -> None:
    _sign_in(page, short_idle_portal)
    page.goto(f"{short_idle_portal}/children/search")
    loaded = time.monotonic()
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(dialog).to_be_hidden()
    expect(dialog).to_be_visible(timeout=(IDLE_S - WARNING_S + 5) * 1000)
    assert time.monotonic() - loaded < IDLE_S  # it came while there was still time to act
    expect(dialog).to_contain_text("You will be signed out in")
    expect(dialog).to_contain_text("seconds")
    expect(page.locator("#session-timeout-title")).to_be_focused()
    assert violations(page) == []
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    # Past the moment the session would have ended without the click: still signed in.
    time.sleep(max(0.0, loaded + IDLE_S + 2 - time.monotonic()))
    page.goto(f"{short_idle_portal}/children/search")
    expect(page.get_by_role("heading", name="Find a child")).to_be_visible()
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Alex Morrison")


def test_the_keyboard_reaches_stay_signed_in_and_escape_keeps_the_session(
        page: Page, short_idle_portal: str) -> None:
    _sign_in(page, short_idle_portal)
    page.goto(f"{short_idle_portal}/")
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(dialog).to_be_visible(timeout=(IDLE_S - WARNING_S + 5) * 1000)
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    status = page.request.get(f"{short_idle_portal}/session").json()
    assert status["signed_in"] is True and status["idle_seconds_left"] > WARNING_S


def test_left_alone_the_page_goes_to_sign_in_by_itself(page: Page, short_idle_portal: str) -> None:
    _sign_in(page, short_idle_portal)
    page.goto(f"{short_idle_portal}/children/search")
    page.wait_for_url(f"{short_idle_portal}/sign-in", timeout=(IDLE_S + 10) * 1000)
    expect(page.get_by_text("had not used the portal for a while")).to_be_visible()


def test_a_filter_clicked_after_the_timeout_shows_only_the_sign_in_page(
        page: Page, short_idle_portal: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    """A laptop lid closed on the child's page: no timer ran in the page, then the user clicks a filter."""
    page.clock.install()
    _sign_in(page, short_idle_portal)
    child = sandbox.child("multi_agency")
    record = SearchPage(page, short_idle_portal).open().search_chi(child["chi"]).open().wait_loaded()
    name = record.name()
    expect(page.get_by_test_id("kis")).to_be_visible()
    page.clock.pause_at(page.evaluate("Date.now()") + 100)  # the page's timers stop here
    time.sleep(IDLE_S + 2)  # the server's idle limit passes
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"{short_idle_portal}/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.locator("main").count() == 1
    assert page.get_by_test_id("kis").count() == 0 and page.locator("#child-record").count() == 0
    content = page.content()
    assert name not in content and child["chi"] not in content
    expect(page.get_by_text("had not used the portal for a while")).to_be_visible()


def _second_browser(browser: Browser, base: str, username: str) -> Page:
    """Someone else's browser (a context of its own: its own cookies), signed in as `username`."""
    other = browser.new_context().new_page()
    _sign_in(other, base, username)
    return other


def test_an_admin_disables_a_signed_in_account_and_its_next_click_shows_sign_in(  # type: ignore[no-untyped-def]
        signed_in, base_url: str, browser: Browser) -> None:
    victim = _second_browser(browser, base_url, "police.concern")
    page: Page = signed_in("admin")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Accounts").click()
    expect(page.get_by_test_id("accounts-table")).to_be_visible()
    assert violations(page) == []
    row = page.locator("tr[data-account='police.concern']")
    try:
        row.get_by_role("button", name="Disable Chris Baird").click()
        expect(page.get_by_text("(police.concern) can no longer sign in. 1 open session ended.")).to_be_visible()
        expect(row.get_by_test_id("status")).to_have_text("Disabled")
        assert violations(page) == []
        victim.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a child").click()
        expect(victim.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(victim.get_by_test_id("signed-in-as")).to_have_count(0)
    finally:
        page.goto(f"{base_url}/admin/accounts")
        enable = page.locator("tr[data-account='police.concern']").get_by_role("button", name="Enable Chris Baird")
        if enable.count():
            enable.click()
        victim.context.close()
    expect(page.locator("tr[data-account='police.concern']").get_by_test_id("status")).to_have_text("Can sign in")


def test_ig_ends_a_users_sessions_and_their_next_click_shows_sign_in(  # type: ignore[no-untyped-def]
        signed_in, base_url: str, browser: Browser) -> None:
    victim = _second_browser(browser, base_url, "health.visitor")
    page: Page = signed_in("ig.officer")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sessions").click()
    row = page.locator("tr[data-account='health.visitor']")
    expect(row.get_by_test_id("open-sessions")).not_to_have_text("0")
    assert violations(page) == []
    row.get_by_role("button", name="End sessions of Jo Campbell").click()
    expect(page.get_by_text("of Jo Campbell (health.visitor). They must sign in again.")).to_be_visible()
    expect(row.get_by_test_id("open-sessions")).to_have_text("0")
    assert violations(page) == []
    victim.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a child").click()
    expect(victim.get_by_role("heading", name="Sign in")).to_be_visible()
    victim.context.close()
