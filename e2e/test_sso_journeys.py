"""Single sign-on through two real OpenID providers: identity binding, refusals, claims, and logout both ways."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.accessibility import violations
from e2e.audit_trail import entries
from e2e.conftest import PARTNER_ACCOUNT, PARTNER_GROUP
from e2e.pages import Header, SignInPage
from tests.support.accounts import TEST_PASSWORD

COUNCIL = "Glenmorven single sign-on"
PARTNER = "NHS Glenmorven sign-in"


def _sign_in_at_provider(page: Page, login: str) -> None:
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any-password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def _sso(page: Page, base_url: str, provider: str, login: str) -> None:
    SignInPage(page, base_url).open()
    page.get_by_role("button", name=f"Sign in with {provider}").click()
    _sign_in_at_provider(page, login)


def _forget(page: Page) -> None:
    """A browser that remembers nobody (leave the page first, so no late response sets a cookie again)."""
    page.goto("about:blank")
    page.context.clear_cookies()


def _refusals(portal_env: dict[str, str], reason: str) -> list:
    failures = entries(portal_env["DATABASE_URL"], "sign_in_failed")
    return [e for e in failures if (e.details or {}).get("reason") == reason]


def test_sign_in_page_offers_each_configured_provider(page: Page, base_url: str) -> None:
    SignInPage(page, base_url).open()
    providers = page.get_by_test_id("sso-providers").get_by_role("button")
    expect(providers).to_have_text([f"Sign in with {COUNCIL}", f"Sign in with {PARTNER}"])
    assert violations(page) == []


def test_unverified_email_is_refused_and_audited(page: Page, base_url: str, portal_env: dict[str, str]) -> None:
    _sso(page, base_url, COUNCIL, "unverified.person")
    expect(page.get_by_text("did not confirm your e-mail address")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert _refusals(portal_env, "unverified"), "the refusal is in the audit trail"
    page.goto(f"{base_url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_second_subject_with_the_same_email_is_refused_and_audited(
        page: Page, base_url: str, portal_env: dict[str, str]) -> None:
    _sso(page, base_url, COUNCIL, "health.visitor")  # binds (or is already bound to) the health visitor's account
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Jo Campbell")
    assert any(e.user_id == "health.visitor" for e in entries(portal_env["DATABASE_URL"], "sso_identity_bound"))
    _forget(page)

    _sso(page, base_url, COUNCIL, "second.subject")  # same verified e-mail, different subject
    expect(page.get_by_text("linked to a different sign-in identity")).to_be_visible()
    conflicts = _refusals(portal_env, "subject_conflict")
    assert [e.details["attempted_username"] for e in conflicts] == ["health.visitor"]


def test_a_partner_provider_cannot_vouch_for_addresses_outside_its_domains(
        page: Page, base_url: str, portal_env: dict[str, str]) -> None:
    _sso(page, base_url, PARTNER, "council.address")
    expect(page.get_by_text("cannot be used for this e-mail address")).to_be_visible()
    assert any(e.details["provider"] == "nhs-glenmorven" for e in _refusals(portal_env, "domain"))


def test_partner_claims_grant_access_and_taking_the_group_away_revokes_it_at_next_sign_in(
        page: Page, base_url: str, portal_env: dict[str, str], partner_accounts_file: Path) -> None:
    username, name, _ = PARTNER_ACCOUNT
    original = partner_accounts_file.read_text()
    _sso(page, base_url, PARTNER, username)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    expect(page.get_by_test_id("home-role")).to_have_text("Practitioner")
    _forget(page)

    accounts = json.loads(original)
    accounts[username]["groups"] = ["some-other-group"]
    partner_accounts_file.write_text(json.dumps(accounts))
    try:
        _sso(page, base_url, PARTNER, username)
        expect(page.get_by_text("no longer gives you access to this portal")).to_be_visible()
        page.goto(f"{base_url}/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        changes = [e.details for e in entries(portal_env["DATABASE_URL"], "account_access_change")]
        assert {"account": username, "change": "revoked", "provider": "nhs-glenmorven"}.items() <= changes[-1].items()
    finally:
        partner_accounts_file.write_text(original)
    _forget(page)

    _sso(page, base_url, PARTNER, username)  # the group is back: so is access
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    assert PARTNER_GROUP in original


def test_signing_out_also_signs_out_of_the_provider(page: Page, base_url: str, oidc_issuer: str) -> None:
    _sso(page, base_url, COUNCIL, "police.concern")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Chris Baird")
    Header(page).sign_out()
    # RP-initiated logout: the provider's end-session page, told who (id_token_hint) and where to come back to.
    page.wait_for_url(f"{oidc_issuer}/session/end*")
    assert "id_token_hint=" in page.url and "post_logout_redirect_uri=" in page.url
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{base_url}/sign-in*")
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    page.get_by_role("button", name=f"Sign in with {COUNCIL}").click()
    expect(page.locator("input[name=login]")).to_be_visible()  # the provider asks again: its session ended too


def test_the_provider_ends_the_portal_session_by_back_channel_logout(
        page: Page, base_url: str, oidc_issuer: str, portal_env: dict[str, str]) -> None:
    _sso(page, base_url, COUNCIL, "admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Robin Shaw")

    page.goto(f"{oidc_issuer}/session/end")  # signing out at the provider, not in the portal
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_load_state()

    page.goto(f"{base_url}/")  # the same browser, with the same portal cookie, is signed out of the portal
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    logouts = [e for e in entries(portal_env["DATABASE_URL"], "sign_out")
               if (e.details or {}).get("reason") == "back-channel logout"]
    assert [e.user_id for e in logouts] == ["admin"]


def test_an_admin_pin_keeps_access_whatever_the_claims_say(
        page: Page, browser: Browser, base_url: str, partner_accounts_file: Path) -> None:
    username, name, _ = PARTNER_ACCOUNT
    original = partner_accounts_file.read_text()
    _sso(page, base_url, PARTNER, username)  # bound (if not already) and claims-managed
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    _forget(page)

    admin = browser.new_page()
    SignInPage(admin, base_url).open().sign_in("admin", TEST_PASSWORD)
    admin.get_by_role("navigation", name="Menu").get_by_role("link", name="Single sign-on").click()
    row = admin.get_by_role("row").filter(has_text=f"({username})")
    row.get_by_role("button", name=f"Pin {username}").click()
    expect(admin.get_by_text(f"{username}: single sign-on identity pinned.")).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text=f"({username})")).to_contain_text("Pinned by an administrator")
    assert violations(admin) == []

    accounts = json.loads(original)
    accounts[username]["groups"] = []
    partner_accounts_file.write_text(json.dumps(accounts))
    try:
        _sso(page, base_url, PARTNER, username)  # the claims grant nothing, but the administrator's pin holds
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    finally:
        partner_accounts_file.write_text(original)
        admin.get_by_role("row").filter(has_text=f"({username})").get_by_role(
            "button", name=f"Unpin {username}").click()
        expect(admin.get_by_text(f"{username}: single sign-on identity unpinned.")).to_be_visible()
