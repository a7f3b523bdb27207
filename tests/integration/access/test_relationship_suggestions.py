"""Relationships the social work system reports: suggested on the admin page, recorded only when an admin accepts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from bs4 import BeautifulSoup

from tests.conftest import extract_csrf
from tests.integration.access.conftest import relationships_for


def _allocated_worker(sandbox, chi: str) -> str:  # type: ignore[no-untyped-def]
    """Who the social work system allocates to this child, read straight from the sandbox's own database."""
    person_id = next(c for c in sandbox.cohort if c.get("chi") == chi)["ids"]["social_work"]
    with sqlite3.connect(sandbox.data_dir / "socialwork.db") as connection:
        row = connection.execute("SELECT worker_name FROM allocations WHERE person_id = ? AND end_date IS NULL",
                                 (person_id,)).fetchone()
    return str(row[0])


def _child_with_allocation(sandbox):  # type: ignore[no-untyped-def]
    for child in sandbox.children("multi_agency"):
        if child.get("chi") and "social_work" in child["ids"]:
            try:
                return child, _allocated_worker(sandbox, child["chi"])
            except TypeError:  # no open allocation
                continue
    raise AssertionError("no multi-agency child with an open social work allocation")


def _soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_an_admin_accepts_what_the_social_work_system_reports(access_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
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
    offered = page.select("[data-testid=suggestion]")
    assert offered and all(f"{worker} (allocated.worker)" in row.get_text() for row in offered)
    suggestion = next(row for row in offered if "Allocated worker" in row.get_text())
    with access_app.app_context():  # only suggested: nothing recorded yet
        assert relationship_for(user_named("allocated.worker"), child["chi"], datetime.now(UTC)) is None

    form = suggestion.select_one("form")
    fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    accepted = client.post(form["action"], data=fields)
    assert accepted.status_code == 302
    after = _soup(client.get(accepted.headers["Location"]))
    # What was accepted is no longer offered (a lead-professional suggestion for the same worker may remain).
    assert not [row for row in after.select("[data-testid=suggestion]") if "Allocated worker" in row.get_text()]
    table = after.select_one("[data-testid=relationships-table]")
    sources = [cell.get_text(strip=True) for cell in table.select("[data-testid=source]")]
    assert sources == ["Social work system"]
    with access_app.app_context():
        held = relationship_for(user_named("allocated.worker"), child["chi"], datetime.now(UTC))
        actions = [e.details["action"] for e in search_entries(audit_db.engine, event_type="relationship_change")]
    assert held is not None and held.source == "source:social_work" and held.basis == "allocated_worker"
    assert actions[:2] == ["source_checked", "accept_suggestion"]


def test_nothing_is_suggested_for_a_worker_without_an_account_and_a_forged_accept_is_refused(  # type: ignore[no-untyped-def]
        access_app, client, sign_in, sandbox) -> None:
    from portal.data.users import list_users

    child, _ = _child_with_allocation(sandbox)
    sign_in("admin")
    page = _soup(relationships_for(client, child["chi"]))
    assert page.select("[data-testid=suggestion]") == []
    assert "names no portal user" in page.select_one("[data-testid=suggestions]").get_text()
    with access_app.app_context():
        teacher_id = next(u.id for u in list_users() if u.username == "teacher")
    forged = client.post("/admin/relationships/suggestions", data={
        "csrf_token": extract_csrf(str(page)), "chi": child["chi"], "user_id": str(teacher_id),
        "basis": "allocated_worker"})
    assert forged.status_code == 302
    listing = _soup(client.get(forged.headers["Location"]))
    assert "no longer reports this" in listing.get_text()
    assert listing.select("[data-testid=relationships-table] tbody tr") == []
