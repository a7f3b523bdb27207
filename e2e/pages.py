"""Page objects: what a user sees and does, located by role and label."""

from __future__ import annotations

from playwright.sync_api import Page, expect


class SignInPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> SignInPage:
        self.page.goto(f"{self.base_url}/sign-in")
        expect(self.page.get_by_role("heading", name="Sign in")).to_be_visible()
        return self

    def sign_in(self, username: str, password: str) -> None:
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in", exact=True).click()

    def error_summary(self) -> str:
        return self.page.locator(".govuk-error-summary").inner_text()


class Header:
    def __init__(self, page: Page) -> None:
        self.page = page

    def signed_in_as(self) -> str:
        return self.page.get_by_test_id("signed-in-as").inner_text()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
