"""Changing a sharing agreement changes what a connector is asked for and what the data-flows panel reports."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup
from flask import Flask

from portal import create_app
from tests.conftest import TEST_PASSWORD, dispose_engines, extract_csrf, make_settings
from tests.integration.access.conftest import give_relationship
from tests.integration.children.conftest import open_child
from tests.support.sandbox import RunningSandbox, environment

SCHOOL_CLAUSE = 'reference = "EDU-GLENMORVEN-INT-2025/1"'


def _without_attendance_for_school_staff(original: Path, target: Path) -> Path:
    """A copy of the agreements where the schools' own clause no longer lists attendance."""
    text = original.read_text(encoding="utf-8")
    start = text.index(SCHOOL_CLAUSE)
    line_start = text.index("categories = ", start)
    line_end = text.index("\n", line_start)
    categories = text[line_start:line_end]
    assert '"attendance", ' in categories, "the demo agreement changed: pick another category"
    target.write_text(text[:line_start] + categories.replace('"attendance", ', "") + text[line_end:], encoding="utf-8")
    return target


@pytest.fixture(params=["as_agreed", "attendance_removed"])
def agreement_app(request: pytest.FixtureRequest, sandbox: RunningSandbox, template_database: Path,
                  tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    """The portal on the demo agreements, or on a copy with attendance removed for school staff."""
    from portal.config import Settings

    agreements = Settings.model_fields["AGREEMENTS_FILE"].default
    if request.param == "attendance_removed":
        agreements = _without_attendance_for_school_staff(agreements, tmp_path / "agreements.toml")
    shutil.copyfile(template_database, tmp_path / "portal.db")
    app = create_app(make_settings(tmp_path, AGREEMENTS_FILE=agreements))
    with environment(sandbox.env):
        yield request.param, app
        registry = app.extensions.get("registry")
        if registry is not None:
            registry.close()
    dispose_engines()


def _education_requests(sandbox: RunningSandbox) -> list[str]:
    response = requests.get(f"{sandbox.admin_urls['education']}/_sandbox/requests",
                            headers={"X-Sandbox-Admin": sandbox.admin_key}, timeout=5)
    response.raise_for_status()
    return [entry["path"] for entry in response.json()["requests"]]


def _clear_requests(sandbox: RunningSandbox) -> None:
    requests.delete(f"{sandbox.admin_urls['education']}/_sandbox/requests",
                    headers={"X-Sandbox-Admin": sandbox.admin_key}, timeout=5).raise_for_status()


def test_the_agreement_decides_whether_attendance_is_asked_for_and_says_why_not(  # type: ignore[no-untyped-def]
        agreement_app, sandbox) -> None:
    variant, app = agreement_app
    pupil = next(c for c in sandbox.cohort if c.get("chi") and "education" in c.get("ids", {})
                 and "multi_agency" not in c["tags"])
    with app.app_context():
        give_relationship("teacher", pupil["chi"], starts=datetime.now(UTC) - timedelta(days=30))
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    client.post("/sign-in", data={"username": "teacher", "password": TEST_PASSWORD, "csrf_token": extract_csrf(page)})
    _clear_requests(sandbox)

    _, html = open_child(client, pupil["chi"])

    asked = _education_requests(sandbox)
    # The rest of the pupil's record is asked for either way: only the withdrawn category stops.
    assert any(re.search(r"/pupils/[^/]+/exclusions$", path) for path in asked), asked
    asked_for_attendance = any(path.endswith("/attendance") for path in asked)
    flows = BeautifulSoup(html, "html.parser").select_one("[data-testid=data-flows] tr[data-agency=education]")
    withheld = [li.get_text(" ", strip=True) for li in flows.select("details li")]
    if variant == "as_agreed":
        assert asked_for_attendance
        assert not any(item.startswith("Attendance") for item in withheld)
    else:
        assert not asked_for_attendance
        category = "Attendance patterns and absence"  # the category in words, as the data-flows panel names it
        assert f"{category} : No agreement shares this with Education staff in your role" in withheld
