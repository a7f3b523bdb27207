"""Agreements are validated at start; relationships import from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.access.agreements import AgreementError
from portal.config import PROJECT_ROOT
from tests.conftest import make_settings

BAD_AGREEMENT = """\
[source.health]
owning_team = "Health Visiting North"

[[agreement]]
source = "health"
reference = "ISP-TEST/1"
clause = "1.1"
review_date = 2027-01-01
requesting_agencies = ["education"]
roles = ["practitioner"]
purposes = ["girfec_wellbeing"]
categories = ["health_alerts", "horoscopes"]
labels = ["N"]
"""


def test_an_invalid_agreement_file_stops_the_app_naming_file_line_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "agreements.toml"
    bad.write_text(BAD_AGREEMENT)
    with pytest.raises(AgreementError) as error:
        create_app(make_settings(tmp_path, AGREEMENTS_FILE=bad))
    message = str(error.value)
    assert str(bad) in message and "line 12" in message and "horoscopes" in message


def test_the_server_process_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "agreements.toml"
    bad.write_text(BAD_AGREEMENT)
    env = {"PORTAL_ENV": "test", "SECRET_KEY": "s" * 40, "AGREEMENTS_FILE": str(bad),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "waitress", "--listen", "127.0.0.1:0", "--call", "portal.wsgi:create_app"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert f"{bad}, line 12" in result.stderr and "horoscopes" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_relationships_import_command(app: Flask, tmp_path: Path) -> None:
    good = tmp_path / "relationships.csv"
    good.write_text(
        "child_chi,basis,holder_type,username,agency,team,starts_on,ends_on\n"
        "1904851231,named_person,user,teacher,,,2026-08-01,\n"
        "1904851231,team_around_child,team,,health,Health Visiting North,2026-08-01,2027-07-31\n"
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["portal", "relationships", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 relationships" in result.output

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "child_chi,basis,holder_type,username,agency,team,starts_on,ends_on\n"
        "0101201234,named_person,user,teacher,,,2026-08-01,\n"
        "1904851232,named_person,user,teacher,,,2026-08-01,\n"
    )
    result = runner.invoke(args=["portal", "relationships", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 3" in result.output and "Nothing imported" in result.output
    again = runner.invoke(args=["portal", "relationships", "import", str(good)])
    assert "Imported 0 relationships; 2 already present" in again.output
