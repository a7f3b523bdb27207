"""A second council's education service is configuration only (issue 14; README "Adding an agency").

Real processes throughout: the five sandbox systems, a second instance of the sandbox education
system on its own port with its own pupils (Strathbrae, a neighbouring council), and the portal
itself started by waitress from copies of the two config files. Nothing in the code names the new
agency: the test adds `[agencies.education_north]` and its clauses, and reads the portal's pages.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup, Tag

from portal import create_app
from portal.access.agreements import AgreementError
from portal.config import PROJECT_ROOT
from sandbox.cohort.second_council import SCHOOL, write_second_council
from sandbox.launcher import start_all
from tests.conftest import build_app, dispose_engines, extract_csrf, make_settings
from tests.support.accounts import TEST_PASSWORD
from tests.support.sandbox import RunningSandbox, free_port

NORTH_NAME = "Strathbrae Council education"
# What README "Adding an agency" says to change in the copied table, and nothing else.
NORTH_SETTINGS = {
    "display_name": f'"{NORTH_NAME}"',
    "organisation": '"Strathbrae Council"',
    "base_url": '"${EDUCATION_NORTH_URL}"',
    "key_env": '"EDUCATION_NORTH_API_KEY"',
    "domain": '"education"',
}
NORTH_CLAUSES = """
[source.education_north]
owning_team = "Strathbrae Academy"

[[agreement]]
source = "education_north"
reference = "ISP-STRATHBRAE-GLENMORVEN-2026/1"
clause = "2.1"
title = "Strathbrae schools: pupils who live in Glenmorven, to Glenmorven's lead professionals"
review_date = 2027-08-31
requesting_agencies = ["social_work", "health", "education"]
roles = ["lead_professional"]
categories = ["enrolment", "attendance", "exclusions", "asn", "pastoral_notes"]
purposes = ["girfec_wellbeing", "child_protection", "lead_professional_review"]
labels = ["N"]
"""
CLAUSE_REF = "ISP-STRATHBRAE-GLENMORVEN-2026/1 §2.1"


def with_second_education(connectors: str) -> str:
    """The connectors file plus a copy of its `[agencies.education]` table (sub-tables too) as `education_north`."""
    lines = connectors.splitlines()
    start = lines.index("[agencies.education]")
    end = next((i for i in range(start + 1, len(lines))
                if re.match(r"\s*\[+agencies\.(?!education[.\]])", lines[i])), len(lines))
    table = [re.sub(r"^(\s*\[+agencies\.)education([.\]])", r"\1education_north\2", line)
             for line in lines[start:end] if not line.startswith("# ---")]
    settings = dict(NORTH_SETTINGS)
    copied = []
    for line in table:
        key = line.split("=", 1)[0].strip()
        copied.append(f"{key} = {settings.pop(key)}" if key in settings else line)
    header = copied.index("[agencies.education_north]")
    copied[header + 1:header + 1] = [f"{key} = {value}" for key, value in settings.items()]  # keys not in the copy
    return connectors + "\n\n" + "\n".join(copied) + "\n"


@dataclass
class Partnership:
    sandbox: RunningSandbox
    north_url: str
    north_key: str
    pupils: list[dict]  # the Strathbrae pupils, as the main cohort knows them


@pytest.fixture(scope="module")
def partnership(sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Partnership]:
    """The run's five sandbox systems, plus Strathbrae's: the sandbox education system again, its own pupils."""
    north_dir = tmp_path_factory.mktemp("sandbox-north")
    pupils = write_second_council(sandbox.data_dir, north_dir)
    north_key = secrets.token_urlsafe(24)
    north = start_all(north_dir, ports={"education": free_port()}, agencies=("education",),
                      env={"SANDBOX_EDUCATION_API_KEY": north_key})
    try:
        yield Partnership(sandbox, north.urls["education"], north_key, pupils)
    finally:
        north.stop()


@pytest.fixture
def config_copies(tmp_path: Path) -> tuple[Path, Path]:
    connectors = tmp_path / "connectors.toml"
    connectors.write_text(with_second_education((PROJECT_ROOT / "config" / "connectors.toml").read_text()))
    agreements = tmp_path / "agreements.toml"
    agreements.write_text((PROJECT_ROOT / "config" / "agreements.toml").read_text() + NORTH_CLAUSES)
    return connectors, agreements


@pytest.fixture
def portal_url(partnership: Partnership, config_copies: tuple[Path, Path], tmp_path: Path) -> Iterator[str]:
    """The portal as its own process, configured only through the environment and the two copied files."""
    from portal.data.relationship_import import import_relationships_file

    settings = make_settings(tmp_path)
    app = build_app(settings)
    child = partnership.pupils[0]
    relationships = tmp_path / "relationships.csv"
    relationships.write_text("child_chi,basis,holder_type,username,agency,team,starts_on,ends_on\n"
                             f"{child['chi']},lead_professional,user,lead.professional,,,"
                             f"{(date.today() - timedelta(days=30)).isoformat()},\n")
    with app.app_context():
        assert import_relationships_file(relationships).ok
    dispose_engines()
    connectors, agreements = config_copies
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORTAL_ENV": "test",
        "SECRET_KEY": settings.SECRET_KEY or "", "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY or "",
        "DATABASE_URL": settings.DATABASE_URL, "INSTANCE_PATH": str(settings.INSTANCE_PATH),
        "CONNECTORS_FILE": str(connectors), "AGREEMENTS_FILE": str(agreements),
        **partnership.sandbox.env,
        "EDUCATION_NORTH_URL": partnership.north_url, "EDUCATION_NORTH_API_KEY": partnership.north_key,
    }
    log = tmp_path / "portal.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "waitress", "--listen", f"127.0.0.1:{port}", "--call", "portal:create_app"],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(20)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the portal did not start:\n{log.read_text()}")


def _open_record(url: str, chi: str) -> BeautifulSoup:
    """Sign in as the lead professional, search by CHI and open the child, as a person would."""
    browser = requests.Session()
    page = browser.get(f"{url}/sign-in", timeout=10).text
    signed_in = browser.post(f"{url}/sign-in", timeout=10, allow_redirects=False, data={
        "username": "lead.professional", "password": TEST_PASSWORD, "csrf_token": extract_csrf(page)})
    assert signed_in.status_code == 302
    token = extract_csrf(browser.get(f"{url}/children/search", timeout=10).text)
    results = BeautifulSoup(browser.post(f"{url}/children/search", timeout=30, data={
        "chi": chi, "purpose": "child_protection", "csrf_token": token}).text, "html.parser")
    link = next(a for a in results.find_all("a") if "Open record" in a.get_text())
    response = browser.get(f"{url}{link['href']}/content", timeout=30)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def _rows(soup: BeautifulSoup, agency: str) -> list[Tag]:
    return soup.select(f"[data-testid=chronology-table] tr[data-agency={agency}]")


def test_a_second_education_agency_is_configuration_only(partnership: Partnership, portal_url: str) -> None:
    child = partnership.pupils[0]
    soup = _open_record(portal_url, child["chi"])

    # The data-flows panel: the new agency answered, under its configured name, beside the first council's.
    flows = {row["data-agency"]: row for row in soup.select("[data-testid=data-flows] tr[data-agency]")}
    assert flows["education_north"]["data-state"] == "answered"
    assert NORTH_NAME in flows["education_north"].get_text()
    assert flows["education"]["data-state"] == "answered"

    # The merged chronology holds both councils' pupil records for this child.
    north_rows = _rows(soup, "education_north")
    titles = " ".join(row.get_text(" ", strip=True) for row in north_rows)
    assert "Started at Strathbrae shared provision" in titles and "Distressed after weekend contact" in titles
    assert "Low attendance: 70%" in titles
    assert _rows(soup, "education") and _rows(soup, "health")

    # "Why can I see this?" on a Strathbrae item cites its own clause and names its source.
    note = next(row for row in north_rows if "Distressed after weekend contact" in row.get_text())
    why = note.select_one(".portal-why").get_text(" ", strip=True)
    assert f"Shared under agreement {CLAUSE_REF}" in why
    assert f"Significant pastoral notes from {NORTH_NAME}" in why

    # The KIS: the school field has both councils' values, each naming its source; a value both
    # education agencies agree on (the date of birth) is shown once, with both among its sources.
    school = soup.select_one("[data-testid=kis] [data-field=school]").get_text(" ", strip=True)
    assert SCHOOL in school and NORTH_NAME in school
    birth_date = soup.select_one("[data-field=birth_date]")
    assert len(birth_date.select("dd > p")) == 1
    provenance = birth_date.select_one(".portal-provenance").get_text(" ", strip=True)
    assert "Education, Pupil records (SEEMiS)" in provenance and f"{NORTH_NAME}, Pupil records" in provenance


def test_clauses_for_an_agency_with_no_connectors_table_stop_the_start(config_copies: tuple[Path, Path],
                                                                      tmp_path: Path) -> None:
    _, agreements = config_copies  # the clauses for education_north, but the project's own connectors file
    with pytest.raises(AgreementError) as error:
        create_app(make_settings(tmp_path, AGREEMENTS_FILE=agreements))
    assert "unknown agency 'education_north': no [agencies.education_north] table in the connectors file" in str(
        error.value)
