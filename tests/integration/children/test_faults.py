"""A dead, slow or broken agency: a clear status for it, the rest of the view intact, never a stack trace."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from tests.integration.children.conftest import open_child, search_chi


def _states(html: str) -> dict[str, tuple[str, str]]:
    soup = BeautifulSoup(html, "html.parser")
    return {
        row["data-agency"]: (row["data-state"], row.select("td")[-1].get_text(" ", strip=True))
        for row in soup.select("[data-testid=data-flows] tr[data-agency]")
    }


def _agencies_in_chronology(html: str) -> set[str]:
    soup = BeautifulSoup(html, "html.parser")
    return {row["data-agency"] for row in soup.select("[data-testid=chronology-table] tr[data-agency]")}


def test_hung_agency_costs_the_deadline_and_the_rest_is_shown(child_app, client, sign_in, sandbox, faults) -> None:  # type: ignore[no-untyped-def]
    child_app.config["FEDERATION_DEADLINE_S"] = 1.5
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    faults("police", "hang")
    # The page came back while police still hangs, so the deadline cut the wait short; how long that takes is
    # measured in bench/gather.py, not asserted here (a busy machine would make a timed assert flake).
    _, html = open_child(client, child["chi"])
    states = _states(html)
    assert states["police"][0] == "timed_out"
    assert "did not answer within 1.5 s" in states["police"][1]
    assert {states[a][0] for a in ("health", "social_work", "education", "scra")} == {"answered"}
    assert {"health", "social_work", "education", "scra"} <= _agencies_in_chronology(html)
    assert "police" not in _agencies_in_chronology(html)
    assert "Police Scotland did not respond" in BeautifulSoup(html, "html.parser").select_one(
        "[data-field=police_cp_flag]").get_text()


@pytest.mark.parametrize(("agency", "mode", "state"), [
    ("education", "refuse", "failed"),
    ("education", "error500", "failed"),
    ("scra", "malformed_json", "failed"),
    ("scra", "truncated", "failed"),
    ("health", "error503", "failed"),
])
def test_broken_agency_fails_with_a_reason_and_the_rest_is_shown(  # type: ignore[no-untyped-def]
    child_app, client, sign_in, sandbox, faults, agency: str, mode: str, state: str
) -> None:
    sign_in("lead.professional")
    faults(agency, mode)
    _, html = open_child(client, sandbox.child("multi_agency")["chi"])
    states = _states(html)
    assert states[agency][0] == state
    assert states[agency][1], "a failed agency must say why"
    assert "Traceback" not in html
    others = {a for a in states if a != agency}
    assert {states[a][0] for a in others} == {"answered"}
    assert others <= _agencies_in_chronology(html) | {"police"}


def _rows(html: str, agency: str) -> set[str]:
    """Each chronology row of one agency as its date, title and summary text."""
    soup = BeautifulSoup(html, "html.parser")
    return {" ".join(cell.get_text(" ", strip=True) for cell in row.select("td")[:2])
            for row in soup.select(f"[data-testid=chronology-table] tr[data-agency={agency}]")}


@pytest.mark.parametrize("agency", ["health", "social_work", "education", "police", "scra"])
def test_an_agency_answering_with_another_childs_records_shows_none_of_them(  # type: ignore[no-untyped-def]
    child_app, client, sign_in, sandbox, faults, agency: str
) -> None:
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    everything = "?show=all"
    content_url, _ = open_child(client, child["chi"])
    own = _rows(client.get(content_url + everything).get_data(as_text=True), agency)
    # Another child with records of their own here that this child's page does not show.
    for other in [c for c in sandbox.children("multi_agency")
                  if c["surname"] != child["surname"] and agency in c["ids"]]:
        other_url, _ = open_child(client, other["chi"])
        theirs = _rows(client.get(other_url + everything).get_data(as_text=True), agency) - own
        if theirs:
            break
    assert theirs, "no other child with records at this agency"

    faults(agency, "wrong_child", subject_id=other["ids"][agency])
    content_url, html = open_child(client, child["chi"])
    html = client.get(content_url + everything).get_data(as_text=True)
    shown = _rows(html, agency)
    assert not shown & theirs, "another child's records were shown as this child's"
    assert shown <= own
    page_text = BeautifulSoup(html, "html.parser").get_text(" ", strip=True)
    assert other["surname"] not in page_text
    state, details = _states(html)[agency]
    assert state in ("wrong_person", "answered")
    assert re.search(r"[\d,]+ records? for another person (was|were) dropped", details), details


def test_a_social_work_database_gone_away_is_reported_failed(  # type: ignore[no-untyped-def]
    child_app, client, sign_in, sandbox, faults
) -> None:
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    _, html = open_child(client, child["chi"])  # the connection is open and has read the database
    assert _states(html)["social_work"][0] == "answered"
    faults("social_work", "refuse")
    _, html = open_child(client, child["chi"])
    state, details = _states(html)["social_work"]
    assert state == "failed"
    assert "could not be reached" in details
    assert "social_work" not in _agencies_in_chronology(html)


def test_an_agency_answering_only_with_another_childs_records_is_named_where_the_picture_is_incomplete(  # type: ignore[no-untyped-def]
    child_app, client, sign_in, sandbox, faults
) -> None:
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    faults("health", "wrong_child")
    results = BeautifulSoup(search_chi(client, child["chi"]).get_data(as_text=True), "html.parser")
    assert "NHS Glenmorven" in results.select_one("[data-testid=search-incomplete]").get_text()
    _, html = open_child(client, child["chi"])
    assert _states(html)["health"][0] == "wrong_person"
    page = BeautifulSoup(html, "html.parser")
    # The health events this child has are missing: the top of the page says so, not only the data-flows table.
    assert page.select_one("[data-testid=incomplete-banner] li[data-agency=health]").get_text(" ", strip=True) == (
        "NHS Glenmorven answered only with another person's records, so its events are missing.")
