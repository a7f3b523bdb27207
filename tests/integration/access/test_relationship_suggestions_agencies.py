"""Relationship suggestions ask every agency whose system holds allocations, not only the one keyed `social_work`:
two councils' social work services, each asked, labelled by its display name and audited on its own."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from portal.config import PROJECT_ROOT, Settings
from tests.conftest import make_settings
from tests.integration.access.conftest import relationships_for
from tests.integration.access.test_relationship_suggestions import _child_with_allocation

EAST = "Strathbrae Council social work"


def _with_a_second_social_work_agency(tmp_path: Path) -> Path:
    """The demo connectors file plus `social_work_east`: the social work tables again, read from the same sandbox
    system (what matters here is that a second agency of the domain is configured, under another key)."""
    text = (PROJECT_ROOT / "config" / "connectors.toml").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("[agencies.social_work]")
    other_table = re.compile(r"^\[\[?agencies\.(?!social_work[.\]])")
    end = next(n for n in range(start + 1, len(lines)) if other_table.match(lines[n]))
    block = [line.replace("[agencies.social_work", "[agencies.social_work_east") for line in lines[start:end]]
    named = block.index('display_name = "Glenmorven Council social work"')
    block[named:named + 1] = [f'display_name = "{EAST}"', 'domain = "social_work"']
    path = tmp_path / "connectors.toml"
    path.write_text("\n".join([*lines, "", *block]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, CONNECTORS_FILE=_with_a_second_social_work_agency(tmp_path))


def _soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_every_social_work_agency_is_asked_labelled_by_name_and_audited(  # type: ignore[no-untyped-def]
        access_app, client, sign_in, sandbox) -> None:
    from portal.audit.queries import search_entries
    from portal.data.access_lookup import relationship_for
    from portal.data.users import get_or_create_organisation, upsert_user
    from portal.extensions import audit_db
    from tests.integration.access.conftest import user_named

    child, worker = _child_with_allocation(sandbox)
    with access_app.app_context():
        team = get_or_create_organisation(
            "social_work", "Glenmorven Council Social Work", "Children and Families North")
        upsert_user("allocated.worker", worker, "practitioner", team, None)
    sign_in("admin")

    page = _soup(relationships_for(client, child["chi"]))
    asked = {block["data-agency"]: block for block in page.select("[data-testid=suggestions-agency]")}
    assert list(asked) == ["social_work", "social_work_east"]
    assert asked["social_work_east"].select_one("h3").get_text(strip=True) == EAST
    assert asked["social_work"].select_one("h3").get_text(strip=True) == "Glenmorven Council social work"
    for block in asked.values():  # both systems report the same worker: each offers them
        offered = block.select("[data-testid=suggestion]")
        assert offered and all(f"{worker} (allocated.worker)" in row.get_text() for row in offered)

    east = next(row for row in asked["social_work_east"].select("[data-testid=suggestion]")
                if "Allocated worker" in row.get_text())
    form = east.select_one("form")
    accepted = client.post(form["action"], data={i["name"]: i["value"] for i in form.select("input[type=hidden]")})
    assert accepted.status_code == 302
    after = _soup(client.get(accepted.headers["Location"]))
    table = after.select_one("[data-testid=relationships-table]")
    sources = [cell.get_text(strip=True) for cell in table.select("[data-testid=source]")]
    assert sources == [f"Social work system ({EAST})"]
    with access_app.app_context():
        held = relationship_for(user_named("allocated.worker"), child["chi"], datetime.now(UTC))
        entries = search_entries(audit_db.engine, event_type="relationship_change")
    assert held is not None and held.source == "source:social_work_east" and held.basis == "allocated_worker"
    checked = Counter(e.details["agency"] for e in entries if e.details["action"] == "source_checked")
    assert checked == {"social_work": 2, "social_work_east": 2}  # two page loads, each agency asked each time
