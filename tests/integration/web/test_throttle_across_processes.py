"""Issue 10: sign-in throttling holds across worker processes, through the shared Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.conftest import build_app, dispose_engines, extract_csrf, make_settings
from tests.integration.audit.views.portal_processes import portal_processes
from tests.support.accounts import TEST_PASSWORD
from tests.support.redis import REDIS_URL, keys_with, redis_prefix

pytestmark = pytest.mark.redis
PAUSED = "Too many sign-in attempts"
TIMEOUT_S = 60  # only a hang reaches it


def _sign_in(http: requests.Session, base_url: str, username: str, password: str) -> tuple[int, str]:
    token = extract_csrf(http.get(f"{base_url}/sign-in", timeout=TIMEOUT_S).text)
    response = http.post(f"{base_url}/sign-in", timeout=TIMEOUT_S, allow_redirects=False,
                         data={"username": username, "password": password, "csrf_token": token})
    return response.status_code, response.text


def _browser() -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # loopback only
    return http


def test_failures_spread_over_two_processes_pause_sign_in_on_both(tmp_path: Path) -> None:
    with redis_prefix() as prefix:
        settings = make_settings(tmp_path)
        build_app(settings)
        dispose_engines()
        env = {
            "PORTAL_ENV": "test", "DATABASE_URL": settings.DATABASE_URL, "SECRET_KEY": str(settings.SECRET_KEY),
            "AUDIT_HMAC_KEY": str(settings.AUDIT_HMAC_KEY), "INSTANCE_PATH": str(settings.INSTANCE_PATH),
            "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix, "PORTAL_WORKERS": "2",
        }
        with portal_processes(2, env, tmp_path) as (first, second):
            at_first, at_second = _browser(), _browser()
            # Five wrong passwords for one user, alternating between the processes (3 here, 2 there):
            # neither process alone saw five.
            for http, url in ((at_first, first), (at_second, second)) * 2 + ((at_first, first),):
                status, page = _sign_in(http, url, "teacher", "guess")
                assert status == 400 and PAUSED not in page
            # Now the right password is refused on both processes.
            for http, url in ((at_first, first), (at_second, second)):
                status, page = _sign_in(http, url, "teacher", TEST_PASSWORD)
                assert status == 400 and PAUSED in page
            # Another user at the same address still signs in, on either process.
            assert _sign_in(_browser(), second, "admin", TEST_PASSWORD)[0] == 302
            keys = keys_with(prefix)
            assert keys, "no throttle counts in Redis under this run's prefix"
            assert not any(b"teacher" in key for key in keys), "a username was written into a Redis key"
