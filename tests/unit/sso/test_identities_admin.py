"""The administrators' page of SSO identities: pin (override claims), unpin, remove a binding; audited."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask import Flask

from portal.data.sso import list_identities, resolve_identity
from tests.conftest import extract_csrf

ISSUER = "https://login.council.example"


def _audited(app: Flask) -> list[dict]:
    from portal.audit.queries import iter_entries
    from portal.extensions import audit_db

    with app.app_context():
        return [e.details for e in iter_entries(audit_db.engine) if e.event_type == "account_access_change"]


def test_an_admin_pins_unpins_and_removes_a_binding(app: Flask, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        resolve_identity(ISSUER, "s-1", "health.visitor@glenmorven.example", True, [])
    sign_in("admin")
    page = client.get("/admin/identities").get_data(as_text=True)
    rows = BeautifulSoup(page, "html.parser").select("[data-testid=identities] tbody tr")
    assert [r.th.get_text(strip=True) for r in rows] == ["Jo Campbell (health.visitor)"]
    assert "Set by the provider's claims" in rows[0].get_text()
    csrf = extract_csrf(page)

    assert client.post("/admin/identities/health.visitor/pin", data={"csrf_token": csrf}).status_code == 302
    with app.app_context():
        assert [i.role_pinned for i in list_identities()] == [True]
    assert "Pinned by an administrator" in client.get("/admin/identities").get_data(as_text=True)
    client.post("/admin/identities/health.visitor/unpin", data={"csrf_token": csrf})
    client.post("/admin/identities/health.visitor/unbind", data={"csrf_token": csrf})
    with app.app_context():
        assert list_identities() == []
    assert [(d["account"], d["change"], d["by"]) for d in _audited(app)] == [
        ("health.visitor", "pinned", "admin"), ("health.visitor", "unpinned", "admin"),
        ("health.visitor", "unbound", "admin")]


def test_nonsense_is_not_found_and_a_post_needs_its_csrf_token(app: Flask, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    csrf = extract_csrf(client.get("/admin/identities").get_data(as_text=True))
    assert client.post("/admin/identities/health.visitor/promote", data={"csrf_token": csrf}).status_code == 404
    assert client.post("/admin/identities/nobody/pin", data={"csrf_token": csrf}).status_code == 404
    assert client.post("/admin/identities/health.visitor/pin").status_code == 400
    assert _audited(app) == []
