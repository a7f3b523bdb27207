"""Sensitivity labels with the demo relationships: R for the right roles, V only for the owning team."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.integration.children.conftest import open_child

V_POLICE_TITLE = "Domestic abuse: bail condition breach"  # the cohort's V police item (sandbox/cohort/hard_cases.py)


def _chronology(html: str) -> list[tuple[str, str]]:
    soup = BeautifulSoup(html, "html.parser")
    return [(row["data-agency"], row.get_text(" ", strip=True))
            for row in soup.select("[data-testid=chronology-table] tr[data-agency]")]


def _protected_child(sandbox) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return sandbox.child("very_restricted", "multi_agency")


def test_the_owning_police_team_sees_its_very_restricted_item(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    sign_in("police.concern")
    _, html = open_child(client, _protected_child(sandbox)["chi"])
    assert any(agency == "police" and V_POLICE_TITLE in text for agency, text in _chronology(html))


def test_a_health_visitor_is_told_police_information_exists_but_not_shown_it(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox) -> None:  # noqa: F811
    sign_in("health.visitor")
    _, html = open_child(client, _protected_child(sandbox)["chi"])
    assert not any(V_POLICE_TITLE in text for _, text in _chronology(html))
    police = BeautifulSoup(html, "html.parser").select_one("[data-testid=data-flows] tr[data-agency=police]")
    notices = [n.get_text(" ", strip=True) for n in police.select("[data-testid=restricted-notice]")]
    assert notices == ["Restricted Restricted information exists – contact Glenmorven Concern Hub"]


def test_restricted_health_items_show_to_the_health_visitor_and_not_under_break_glass(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox) -> None:  # noqa: F811
    from tests.conftest import extract_csrf
    from tests.integration.access.conftest import BREAK_GLASS_REASON, JUSTIFICATION

    child = next(c for c in sandbox.children("restricted", "third_party") if "very_restricted" not in c["tags"])
    sign_in("health.visitor")
    _, html = open_child(client, child["chi"])
    restricted_health = [text for agency, text in _chronology(html) if agency == "health" and "Restricted" in text]
    assert restricted_health, "the health visitor should see the child's R health items"

    signed_out = client.post("/sign-out", data={"csrf_token": extract_csrf(client.get("/").get_data(as_text=True))})
    assert signed_out.status_code == 302
    sign_in("teacher")  # no relationship with multi-agency children: breaks the glass
    url, _ = open_child(client, child["chi"])
    shell = url.removesuffix("/content")
    csrf = extract_csrf(client.get("/").get_data(as_text=True))
    client.post(f"{shell}/break-glass",
                data={"csrf_token": csrf, "reason": BREAK_GLASS_REASON, "justification": JUSTIFICATION})
    under_glass = client.get(url).get_data(as_text=True)
    assert BeautifulSoup(under_glass, "html.parser").select_one("[data-testid=chronology-table]") is not None
    assert not [text for _, text in _chronology(under_glass) if "Restricted" in text]
