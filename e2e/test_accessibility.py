"""The axe sweep: every page reachable so far, for the roles that reach it, with no violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from e2e.accessibility import violations
from e2e.pages import SignInPage

SIGNED_OUT_PAGES = ["/sign-in", "/no-such-page"]
# The notifications page empty here (with items in the notification journey); SSO identities after the SSO journeys.
SIGNED_IN_PAGES = [("teacher", "/"), ("ig.officer", "/"), ("admin", "/"), ("teacher", "/no-such-page"),
                   ("admin", "/notifications"), ("admin", "/admin/identities")]


@pytest.mark.parametrize("path", SIGNED_OUT_PAGES)
def test_signed_out_pages_have_no_violations(page: Page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}{path}")
    assert violations(page) == []


def test_sign_in_error_state_has_no_violations(page: Page, base_url: str) -> None:
    SignInPage(page, base_url).open().sign_in("teacher", "")
    page.wait_for_selector(".govuk-error-summary")
    assert violations(page) == []


@pytest.mark.parametrize(("username", "path"), SIGNED_IN_PAGES)
def test_signed_in_pages_have_no_violations(signed_in, username: str, path: str, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(username)
    page.goto(f"{base_url}{path}")
    assert violations(page) == []
