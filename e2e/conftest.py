"""Browser tests: Debian's Chromium, a live portal process, a real OpenID provider."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from e2e import servers
from e2e.pages import SignInPage
from portal.demo import DEMO_ACCOUNTS, DEMO_EMAIL_DOMAIN
from tests.support.accounts import TEST_PASSWORD
from tests.support.sandbox import RunningSandbox, running_sandbox

CHROMIUM = "/usr/bin/chromium"
OIDC_CLIENT_ID = "single-child-view-e2e"
OIDC_CLIENT_SECRET = "e2e-client-secret-not-for-production"


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
    return servers.free_port()


@pytest.fixture(scope="session")
def oidc_issuer(e2e_dir: Path, portal_port: int) -> Iterator[str]:
    port = servers.free_port()
    accounts = {
        username: {"email": f"{username}@{DEMO_EMAIL_DOMAIN}", "name": name} for username, name, *_ in DEMO_ACCOUNTS
    }
    process = servers.start_oidc_provider(
        port, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, f"http://127.0.0.1:{portal_port}/sign-in/sso/callback",
        accounts, e2e_dir / "oidc.log",
    )
    yield f"http://127.0.0.1:{port}"
    servers.stop(process)


@pytest.fixture(scope="session")
def sandbox(e2e_dir: Path) -> Iterator[RunningSandbox]:
    """The five agency systems, as separate processes on free loopback ports."""
    (e2e_dir / "sandbox").mkdir(exist_ok=True)
    with running_sandbox(e2e_dir / "sandbox") as running:
        yield running


@pytest.fixture(scope="session")
def portal_env(e2e_dir: Path, oidc_issuer: str, sandbox: RunningSandbox) -> dict[str, str]:
    """The environment the live portal runs with: test mode, its own databases, the OIDC provider, the sandbox."""
    from datetime import date

    from portal.demo import seed_demo_relationships
    from tests.conftest import build_app, dispose_engines, make_settings

    settings = make_settings(e2e_dir, FEDERATION_DEADLINE_S=3.0)
    app = build_app(settings)
    with app.app_context():
        seed_demo_relationships(sandbox.cohort, e2e_dir, today=date.today())
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
        "FEDERATION_DEADLINE_S": "3.0",
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
