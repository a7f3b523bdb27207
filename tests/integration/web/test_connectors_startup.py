"""A bad connectors file stops start-up naming file, table and key: in create_app, the CLI, gunicorn and waitress."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from connectors.errors import ConfigurationError
from portal import create_app
from portal.config import PROJECT_ROOT
from sandbox.launcher import free_port
from tests.conftest import make_settings

DEMO = PROJECT_ROOT / "config" / "connectors.toml"


def _bad_copy(tmp_path: Path) -> Path:
    """The demo file with one mistake a person could make: the social work referrals' action written the old way."""
    text = DEMO.read_text(encoding="utf-8")
    old = 'summary = "{reason}"\n  action = { field = "outcome" }'
    assert text.count(old) == 1
    bad = tmp_path / "connectors.toml"
    bad.write_text(text.replace(old, 'summary = "{reason}"\n  action = "outcome"'), encoding="utf-8")
    return bad


def _portal_env(tmp_path: Path, connectors: Path) -> dict[str, str]:
    """A portal's environment with nothing else wrong, and only what it needs (no credentials of the sandbox)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORTAL_ENV": "test",
            "SECRET_KEY": "s" * 40, "AUDIT_HMAC_KEY": "h" * 40, "CONNECTORS_FILE": str(connectors),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "INSTANCE_PATH": str(tmp_path / "instance"),
            "SANDBOX_DATA_DIR": str(tmp_path / "sandbox")}


def test_create_app_refuses_a_bad_connectors_file_naming_file_table_and_key(tmp_path: Path) -> None:
    bad = _bad_copy(tmp_path)
    with pytest.raises(ConfigurationError) as caught:
        create_app(make_settings(tmp_path, CONNECTORS_FILE=bad))
    assert caught.value.reason.startswith(f"{bad}: agencies.social_work.queries[7].event.action must be a table")
    assert '{ field = "outcome" }' in caught.value.reason


def test_the_demo_connectors_file_is_valid_at_start_up(app: Flask) -> None:
    assert list(app.extensions["connectors_config"].enabled) == ["health", "social_work", "education", "police",
                                                                 "scra"]


def test_serve_demo_exits_with_the_reason_and_no_stack_trace(tmp_path: Path) -> None:
    # The command `make run` ends with; it must stop before starting any sandbox agency.
    bad = _bad_copy(tmp_path)
    env = {**_portal_env(tmp_path, bad), "FLASK_APP": "app.py"}
    result = subprocess.run([sys.executable, "-m", "flask", "portal", "serve-demo", "--port", "0"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"{bad}: agencies.social_work.queries[7].event.action must be a table" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "sandbox" not in result.stdout.lower()  # nothing was started


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_the_production_servers_refuse_a_bad_connectors_file_with_the_reason_and_no_stack_trace(
        server: str, tmp_path: Path) -> None:
    # As README "Running in production" starts them: gunicorn with the checked-in config, or waitress.
    bad = _bad_copy(tmp_path)
    port = free_port()
    command = {
        "gunicorn": ["-m", "gunicorn", "-c", str(PROJECT_ROOT / "gunicorn.conf.py")],
        "waitress": ["-m", "waitress", "--listen", f"127.0.0.1:{port}", "--call", "portal.wsgi:create_app"],
    }[server]
    env = {**_portal_env(tmp_path, bad), "PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_WORKERS": "2",
           "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",  # never reached: the file stops start-up first
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    result = subprocess.run([sys.executable, *command], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith(f"{bad}: ")]
    assert len(problems) == 1  # the file's one mistake, told once (not once per worker)
    assert problems[0].startswith(f"{bad}: agencies.social_work.queries[7].event.action must be a table")
    assert "Traceback" not in result.stderr + result.stdout
    assert "Booting worker" not in result.stderr  # refused once, before any worker started


def test_a_gunicorn_worker_that_finds_the_file_wrong_stops_gunicorn_instead_of_being_restarted(
        tmp_path: Path) -> None:
    # With an empty config instead of gunicorn.conf.py (which gunicorn reads from the working folder by default)
    # nothing checks the file before the worker does: as if it had changed after the master's check.
    bad = _bad_copy(tmp_path)
    empty = tmp_path / "gunicorn.conf.py"
    empty.write_text("")
    command = ["-m", "gunicorn", "-c", str(empty), "--workers", "1", "--bind", f"127.0.0.1:{free_port()}",
               "portal.wsgi:create_app(exit_status=3)"]
    result = subprocess.run([sys.executable, *command], cwd=PROJECT_ROOT, env=_portal_env(tmp_path, bad),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3  # gunicorn's "worker failed to boot": halted, not respawning the worker
    problems = [line for line in result.stderr.splitlines() if line.startswith(f"{bad}: ")]
    assert len(problems) == 1
    assert problems[0].startswith(f"{bad}: agencies.social_work.queries[7].event.action must be a table")
    assert "Traceback" not in result.stderr + result.stdout


def test_connectors_check_names_the_problem(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANDBOX_HEALTH_TOKEN", raising=False)
    bad = _bad_copy(tmp_path)
    result = app.test_cli_runner().invoke(args=["portal", "connectors", "check", str(bad)])
    assert result.exit_code == 1
    assert "agencies.social_work.queries[7].event.action" in result.output
    good = app.test_cli_runner().invoke(args=["portal", "connectors", "check", str(DEMO)])
    assert good.exit_code == 0 and "5 agencies configured, no problems found" in good.output
    assert "Note: agencies.health.auth.token_env: environment variable 'SANDBOX_HEALTH_TOKEN' is not set" in \
        good.output


def test_connectors_schema_prints_the_reference(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["portal", "connectors", "schema"])
    assert result.exit_code == 0
    assert result.output == (PROJECT_ROOT / "docs" / "connectors.md").read_text(encoding="utf-8")


def test_an_agency_level_mistake_is_reported_with_the_rest_of_the_file(tmp_path: Path) -> None:
    # The agreements are checked against the agencies this file configures; the file itself is checked first.
    text = DEMO.read_text(encoding="utf-8").replace('kind = "rest"\ndisplay_name = "Police Scotland"',
                                                    'kind = "rest"\ndisplay_name = "Police Scotland"\ndomain = "fire"')
    bad = tmp_path / "connectors.toml"
    bad.write_text(text.replace('summary = "{reason}"\n  action = { field = "outcome" }',
                                'summary = "{reason}"\n  action = "outcome"'), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        create_app(make_settings(tmp_path, CONNECTORS_FILE=bad))
    lines = caught.value.reason.splitlines()
    assert f"{bad}: agencies.police.domain: 'fire' has no category vocabulary" in "\n".join(lines)
    assert any(line.startswith(f"{bad}: agencies.social_work.queries[7].event.action") for line in lines)
