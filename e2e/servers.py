"""Real processes for the browser tests: the portal (waitress) and an OpenID provider (node)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def wait_until_up(url: str, process: subprocess.Popen, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {timeout_s} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def start_oidc_provider(port: int, client_id: str, client_secret: str, redirect_uri: str,
                        accounts: dict[str, dict[str, str]] | Path, log: Path, *,
                        post_logout_uri: str | None = None, backchannel_uri: str | None = None) -> subprocess.Popen:
    """Start the provider; `accounts` as a dict, or a JSON file the provider re-reads at every sign-in."""
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": client_secret,
        "OIDC_REDIRECT_URI": redirect_uri,
    }
    if isinstance(accounts, Path):
        env["OIDC_ACCOUNTS_FILE"] = str(accounts)
    else:
        env["OIDC_ACCOUNTS"] = json.dumps(accounts)
    if post_logout_uri:
        env["OIDC_POST_LOGOUT_URI"] = post_logout_uri
    if backchannel_uri:
        env["OIDC_BACKCHANNEL_URI"] = backchannel_uri
    process = subprocess.Popen(
        ["node", str(PROJECT_ROOT / "e2e" / "oidc" / "provider.mjs")],
        cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    wait_until_up(f"http://127.0.0.1:{port}/.well-known/openid-configuration", process)
    return process


def start_portal(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "waitress", "--listen", f"127.0.0.1:{port}", "--threads", "8",
         "--call", "portal:create_app"],
        cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
    return process
