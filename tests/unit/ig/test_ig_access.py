"""Only IG officers reach the workspace; every refusal is itself recorded in the trail."""

from __future__ import annotations

import re

import pytest

from portal.audit.queries import search_entries
from portal.demo import DEMO_ACCOUNTS
from portal.extensions import audit_db

IG_ROUTES = [
    ("get", "/ig/audit"), ("post", "/ig/audit"), ("get", "/ig/audit/1"), ("get", "/ig/break-glass"),
    ("get", "/ig/break-glass/1"), ("post", "/ig/break-glass/1/review"), ("get", "/ig/dashboard"),
    ("get", "/ig/who-viewed"), ("post", "/ig/who-viewed"), ("post", "/ig/who-viewed.csv"), ("get", "/ig/exports"),
    ("post", "/ig/exports/download"), ("get", "/ig/sessions"), ("post", "/ig/sessions/1/end"),
]
OTHER_ROLES = sorted({username for username, _, role, _ in DEMO_ACCOUNTS if role != "ig_officer"})


def test_every_route_is_covered(app) -> None:  # type: ignore[no-untyped-def]
    """A new IG route must be added to IG_ROUTES, so it cannot escape the refusal test."""
    registered = {re.sub(r"<int:\w+>", "<int>", rule.rule) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("ig.")}
    tested = {path.split("?")[0].replace("/1", "/<int>") for _, path in IG_ROUTES}
    assert registered == tested


@pytest.mark.parametrize("username", OTHER_ROLES)
def test_other_roles_are_refused_everywhere_and_each_refusal_is_recorded(app, client, sign_in, username) -> None:  # type: ignore[no-untyped-def]
    sign_in(username)
    from tests.conftest import extract_csrf

    token = extract_csrf(client.get("/").get_data(as_text=True))
    for method, path in IG_ROUTES:
        before = len(search_entries(audit_db, user=username, event_type="refused", limit=1000))
        response = client.post(path, data={"csrf_token": token}) if method == "post" else client.get(path)
        assert response.status_code == 403, f"{username} reached {path}"
        page = response.get_data(as_text=True)
        assert "You do not have permission" in page and "0101011237" not in page
        refusals = search_entries(audit_db, user=username, event_type="refused", limit=1000)
        assert len(refusals) == before + 1, f"refusal of {path} not recorded"
        assert refusals[0].outcome == 4


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/ig/audit")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_ig_officer_sees_the_workspace_in_the_navigation(ig_client) -> None:  # type: ignore[no-untyped-def]
    page = ig_client.get("/").get_data(as_text=True)
    for label in ("Audit trail", "Break-glass reviews", "Charts and flags"):
        assert label in page
