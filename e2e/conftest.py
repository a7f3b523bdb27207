"""Browser tests: Debian's Chromium, a live portal process, a real OpenID provider."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from e2e import servers
from e2e.pages import SignInPage
from portal.demo import DEMO_ACCOUNTS, DEMO_EMAIL_DOMAIN
from sandbox.launcher import free_port
from tests.support.accounts import TEST_PASSWORD
from tests.support.sandbox import RunningSandbox, running_sandbox
from tests.support.smtp import Inbox, smtp_server

CHROMIUM = "/usr/bin/chromium"
OIDC_CLIENT_ID = "single-child-view-e2e"
OIDC_CLIENT_SECRET = "e2e-client-secret-not-for-production"
PARTNER_CLIENT_ID = "single-child-view-partner-e2e"
PARTNER_CLIENT_SECRET = "partner-client-secret-not-for-production"
PARTNER_DOMAIN = "nhs-glenmorven.example"
PARTNER_GROUP = "scv-health-practitioners"
IG_MAILBOX = "ig-team@glenmorven.example"
# A claims-managed account signing in through the partner provider (not a demo account: tests change its claims).
PARTNER_ACCOUNT = ("partner.nurse", "Morag Kerr", f"morag.kerr@{PARTNER_DOMAIN}")


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    return {
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def portal_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def oidc_accounts_file(e2e_dir: Path) -> Path:
    """The council provider's accounts: the demo accounts, plus identities the portal must refuse."""
    accounts: dict[str, dict] = {
        username: {"email": f"{username}@{DEMO_EMAIL_DOMAIN}", "name": name} for username, name, *_ in DEMO_ACCOUNTS
    }
    # Same e-mail as the police account, but the provider does not vouch for it.
    accounts["unverified.person"] = {"email": f"police.concern@{DEMO_EMAIL_DOMAIN}", "name": "Not Verified",
                                     "email_verified": False}
    # A second subject asserting the health visitor's (verified) e-mail.
    accounts["second.subject"] = {"email": f"health.visitor@{DEMO_EMAIL_DOMAIN}", "name": "Jo Campbell"}
    path = e2e_dir / "oidc-accounts.json"
    path.write_text(json.dumps(accounts))
    return path


def _oidc_provider(portal_port: int, client_id: str, client_secret: str, accounts: Path, log: Path) -> Iterator[str]:
    """A real OpenID provider (npm oidc-provider) that sends its users back to the live portal; yields its issuer."""
    port = free_port()
    portal = f"http://127.0.0.1:{portal_port}"
    process = servers.start_oidc_provider(
        port, client_id, client_secret, f"{portal}/sign-in/sso/callback", accounts, log,
        post_logout_uri=f"{portal}/sign-in", backchannel_uri=f"{portal}/sign-in/sso/back-channel-logout",
    )
    yield f"http://127.0.0.1:{port}"
    servers.stop(process)


@pytest.fixture(scope="session")
def oidc_issuer(e2e_dir: Path, portal_port: int, oidc_accounts_file: Path) -> Iterator[str]:
    yield from _oidc_provider(portal_port, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, oidc_accounts_file, e2e_dir / "oidc.log")


@pytest.fixture(scope="session")
def partner_accounts_file(e2e_dir: Path) -> Path:
    """The partner health board's provider: group claims decide the portal role; tests rewrite this file."""
    path = e2e_dir / "partner-accounts.json"
    username, name, email = PARTNER_ACCOUNT
    path.write_text(json.dumps({
        username: {"email": email, "name": name, "groups": [PARTNER_GROUP]},
        # A council address: outside the domains this partner may vouch for.
        "council.address": {"email": f"teacher@{DEMO_EMAIL_DOMAIN}", "name": "Sam Reid"},
    }))
    return path


@pytest.fixture(scope="session")
def partner_issuer(e2e_dir: Path, portal_port: int, partner_accounts_file: Path) -> Iterator[str]:
    yield from _oidc_provider(portal_port, PARTNER_CLIENT_ID, PARTNER_CLIENT_SECRET, partner_accounts_file,
                              e2e_dir / "partner-oidc.log")


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server the live portal sends its e-mail to."""
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="session")
def sandbox(e2e_dir: Path) -> Iterator[RunningSandbox]:
    """The five agency systems, as separate processes on free loopback ports."""
    (e2e_dir / "sandbox").mkdir(exist_ok=True)
    with running_sandbox(e2e_dir / "sandbox") as running:
        yield running


def _partner_provider(issuer: str) -> dict:
    return {
        "key": "nhs-glenmorven", "name": "NHS Glenmorven sign-in", "issuer": issuer,
        "client_id": PARTNER_CLIENT_ID, "client_secret": PARTNER_CLIENT_SECRET, "allowed_domains": [PARTNER_DOMAIN],
        "claim": "groups",
        "claim_rules": [{"value": PARTNER_GROUP, "role": "practitioner", "agency": "health",
                         "organisation": "NHS Glenmorven", "team": "Health Visiting North"}],
    }


@pytest.fixture(scope="session")
def portal_env(e2e_dir: Path, oidc_issuer: str, partner_issuer: str, smtp_inbox: tuple[Inbox, int],
               sandbox: RunningSandbox) -> dict[str, str]:
    """The environment the live portal runs with: test mode, its own databases, two OIDC providers, a real SMTP
    server, the sandbox."""
    from datetime import date

    from portal.data.users import get_or_create_organisation, upsert_user
    from portal.demo import seed_demo_relationships
    from tests.conftest import build_app, dispose_engines, make_settings

    settings = make_settings(e2e_dir, FEDERATION_DEADLINE_S=3.0)
    app = build_app(settings)
    with app.app_context():
        seed_demo_relationships(sandbox.cohort, e2e_dir, today=date.today())
        username, name, email = PARTNER_ACCOUNT
        upsert_user(username, name, "practitioner",
                    get_or_create_organisation("health", "NHS Glenmorven", "Health Visiting North"), None, email=email)
    dispose_engines()
    env = {
        "PORTAL_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "SECRET_KEY": str(settings.SECRET_KEY),
        "AUDIT_HMAC_KEY": str(settings.AUDIT_HMAC_KEY),
        "INSTANCE_PATH": str(settings.INSTANCE_PATH),
        "SANDBOX_DATA_DIR": str(settings.SANDBOX_DATA_DIR),
        "OIDC_ISSUER": oidc_issuer,
        "OIDC_CLIENT_ID": OIDC_CLIENT_ID,
        "OIDC_CLIENT_SECRET": OIDC_CLIENT_SECRET,
        "OIDC_NAME": "Glenmorven single sign-on",
        "OIDC_PROVIDERS": json.dumps([_partner_provider(partner_issuer)]),
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_inbox[1]}",
        "SMTP_SENDER": "single-child-view@glenmorven.example",
        "IG_ALERT_EMAIL": IG_MAILBOX,
        "FEDERATION_DEADLINE_S": "3.0",
        "TRANSPARENCY_PUBLIC": "true",
        **sandbox.env,
    }
    return env


@pytest.fixture(scope="session")
def live_portal(portal_env: dict[str, str], portal_port: int, e2e_dir: Path) -> Iterator[str]:
    process = servers.start_portal(portal_port, portal_env, e2e_dir / "portal.log")
    yield f"http://127.0.0.1:{portal_port}"
    servers.stop(process)


@pytest.fixture(scope="session")
def base_url(live_portal: str) -> str:
    return live_portal


@pytest.fixture
def signed_in(page: Page, base_url: str):  # type: ignore[no-untyped-def]
    """Sign in as `username` through the real form and return the page."""

    def _sign_in(username: str) -> Page:
        SignInPage(page, base_url).open().sign_in(username, TEST_PASSWORD)
        page.wait_for_url(f"{base_url}/")
        return page

    return _sign_in


@pytest.fixture(autouse=True)
def _no_proxy() -> None:
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
