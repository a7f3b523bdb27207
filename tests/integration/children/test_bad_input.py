"""Chronology, content and print parameters: a clear message for bad input, and the view audited only as shown."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.integration.children.conftest import open_child


def _views(app) -> int:  # type: ignore[no-untyped-def]
    from portal.audit.queries import count_entries
    from portal.extensions import audit_db

    with app.app_context():
        return sum(count_entries(audit_db.engine, event_type=t) for t in ("view_child", "chronology_page", "print"))


@pytest.mark.parametrize(("suffix", "params", "message"), [
    ("/chronology", {"from": "9999-12-31"}, "Start date must be between 1900 and 2100"),
    ("/content", {"to": "9999-12-31"}, "End date must be between 1900 and 2100"),
    ("/chronology", {"from": "9" * 23}, "Start date must be a real date"),
    ("/chronology", {"page": "²"}, "Page must be a whole number"),
    ("/content", {"page": "٣"}, "Page must be a whole number"),
    ("/print", {"page": "9" * 23}, None),  # a printout has every event on one page: the page is not read
])
def test_bad_parameters_are_explained_and_the_view_is_audited_once_as_shown(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, suffix: str, params: dict[str, str], message: str | None) -> None:
    sign_in("lead.professional")
    content_url, _ = open_child(client, sandbox.child("multi_agency")["chi"])
    before = _views(child_app)
    response = client.get(content_url.removesuffix("/content") + suffix, query_string=params)
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    if message is not None:
        assert message in page.select_one(".govuk-error-summary").get_text()
    assert page.select("[data-testid=chronology-table] tr[data-agency]"), "the unfiltered chronology is shown"
    assert _views(child_app) == before + 1


def test_a_view_whose_page_cannot_be_built_is_not_audited(child_app, client, sign_in, sandbox, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import portal.children.routes as routes

    sign_in("lead.professional")
    content_url, _ = open_child(client, sandbox.child("multi_agency")["chi"])

    def broken_page(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the template could not be drawn")

    monkeypatch.setattr(routes, "render_page", broken_page)
    before = _views(child_app)
    response = client.get(content_url)
    assert response.status_code == 500
    assert _views(child_app) == before, "a view nobody saw was recorded as seen"
