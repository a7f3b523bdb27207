"""Journeys: each demo role signs in, sees their name and role, and signs out; SSO through a real provider."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.pages import Header, SignInPage
from portal.demo import DEMO_ACCOUNTS
from tests.support.accounts import TEST_PASSWORD

ROLE_LABELS = {
    "lead_professional": "Lead professional",
    "practitioner": "Practitioner",
    "ig_officer": "Information governance officer",
    "admin": "Administrator",
}


@pytest.mark.parametrize(("username", "display_name", "role"), [(a[0], a[1], a[2]) for a in DEMO_ACCOUNTS])
def test_each_role_signs_in_sees_home_and_signs_out(
    page: Page, base_url: str, username: str, display_name: str, role: str
) -> None:
    SignInPage(page, base_url).open().sign_in(username, TEST_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {display_name}")
    expect(page.get_by_test_id("home-role")).to_have_text(ROLE_LABELS[role])
    assert display_name in Header(page).signed_in_as()
    expect(page.get_by_test_id("demo-banner")).to_have_count(0)  # test mode, not demo mode

    Header(page).sign_out()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(f"{base_url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_shows_generic_error(page: Page, base_url: str) -> None:
    sign_in = SignInPage(page, base_url).open()
    sign_in.sign_in("teacher", "wrong password")
    assert "The username or password is not right" in sign_in.error_summary()
    expect(page).to_have_title("Error: Sign in – Single Child View")


def _sign_in_at_provider(page: Page, login: str) -> None:
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any-password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_single_sign_on_through_a_real_openid_provider(page: Page, base_url: str) -> None:
    SignInPage(page, base_url).open()
    page.get_by_role("button", name="Sign in with Glenmorven single sign-on").click()
    _sign_in_at_provider(page, "health.visitor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Jo Campbell")


def test_single_sign_on_without_a_portal_account_is_refused(page: Page, base_url: str) -> None:
    SignInPage(page, base_url).open()
    page.get_by_role("button", name="Sign in with Glenmorven single sign-on").click()
    _sign_in_at_provider(page, "stranger")
    expect(page.get_by_text("you do not have an account on this portal")).to_be_visible()
    page.goto(f"{base_url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
