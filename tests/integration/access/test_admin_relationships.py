"""The admins' relationships page through the app: list, filter, add, end, import; every change audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import extract_csrf
from tests.integration.access.conftest import relationships_for

CHI = "1904851231"  # valid Mod-11
OTHER_CHI = "0101011237"


def _soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _holder(page: BeautifulSoup, text: str) -> str:
    option = next(o for o in page.select("#holder option") if text in o.get_text())
    return str(option["value"])


def _add(client: FlaskClient, **fields: str):  # type: ignore[no-untyped-def]
    page = _soup(client.get("/admin/relationships"))
    data = {"csrf_token": extract_csrf(str(page)), "chi": CHI, "basis": "named_person",
            "holder": _holder(page, "(teacher)"), "starts-day": "1", "starts-month": "9", "starts-year": "2025"}
    data.update(fields)
    return client.post("/admin/relationships", data=data)


def _relationship_changes(app: Flask) -> list:  # type: ignore[type-arg]
    from portal.audit.queries import search_entries
    from portal.extensions import audit_db

    with app.app_context():
        entries = search_entries(audit_db.engine, event_type="relationship_change")
    return [e for e in entries if e.details["action"] != "source_checked"]  # asking a source changes nothing


def test_only_admins_reach_the_page(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/admin/relationships").status_code == 302  # to sign-in
    sign_in("lead.professional")
    assert client.get("/admin/relationships").status_code == 403


def test_admin_adds_a_relationship_that_then_opens_the_record_and_is_audited(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    from portal.data.access_lookup import relationship_for
    from portal.data.users import list_users

    sign_in("admin")
    response = _add(client, **{"ends-day": "31", "ends-month": "7", "ends-year": "2030"})
    assert response.status_code == 302
    listing = _soup(client.get(response.headers["Location"]))
    rows = listing.select("[data-testid=relationships-table] tbody tr")
    assert len(rows) == 1
    assert "Named person" in rows[0].get_text() and "Sam Reid" in rows[0].get_text()
    assert rows[0].select_one("[data-testid=status]").get_text(strip=True) == "Active"
    with app.app_context():
        teacher = next(u for u in list_users() if u.username == "teacher")
        held = relationship_for(teacher, CHI, datetime.now(UTC))
    assert held is not None and held.basis == "named_person" and held.source == "admin"
    assert held.ends_at == datetime(2030, 8, 1, tzinfo=UTC)  # the end date is inclusive
    changes = _relationship_changes(app)
    assert [(c.details["action"], c.subject_chi) for c in changes] == [("add", CHI)]


def test_form_errors_are_summarised_and_nothing_is_recorded(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    response = _add(client, chi="1904851232", basis="cp_enquiry", holder="")
    assert response.status_code == 400
    summary = _soup(response).select_one(".govuk-error-summary")
    links = {a["href"]: a.get_text() for a in summary.select("a")}
    assert "check digit" in links["#chi"]
    assert links["#holder"] == "Choose who holds the relationship"
    assert "must have an end date" in links["#ends-day"]
    assert _relationship_changes(app) == []


def test_ending_a_relationship_refuses_the_holder_from_then_on(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    from portal.data.access_lookup import relationship_for
    from portal.data.users import list_users

    sign_in("admin")
    page = _soup(client.get(_add(client).headers["Location"]))
    form = page.select_one("[data-testid=relationships-table] form")
    asked = client.post(form["action"], data={"csrf_token": extract_csrf(str(page))})
    assert asked.status_code == 200 and "End this relationship?" in asked.get_data(as_text=True)
    assert [c.details["action"] for c in _relationship_changes(app)] == ["add"], "nothing ends before confirming"
    response = client.post(form["action"], data={"csrf_token": extract_csrf(str(page)), "confirm": "yes"})
    assert response.status_code == 302
    row = _soup(client.get(response.headers["Location"])).select_one("[data-testid=relationships-table] tbody tr")
    assert row.select_one("[data-testid=status]").get_text(strip=True) == "Not active"
    with app.app_context():
        teacher = next(u for u in list_users() if u.username == "teacher")
        held = relationship_for(teacher, CHI, datetime.now(UTC) + timedelta(seconds=1))
    assert held is not None and not held.is_active(datetime.now(UTC) + timedelta(seconds=1))
    assert [c.details["action"] for c in _relationship_changes(app)] == ["end", "add"]


def test_posts_without_the_csrf_token_are_refused(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    response = client.post("/admin/relationships", data={"chi": CHI, "basis": "named_person"})
    assert response.status_code == 400
    assert _relationship_changes(app) == []


def _upload(client: FlaskClient, text: str):  # type: ignore[no-untyped-def]
    import io

    token = extract_csrf(client.get("/admin/relationships").get_data(as_text=True))
    return client.post("/admin/relationships/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "csv-file": (io.BytesIO(text.encode()), "relationships.csv")})


HEADER = "child_chi,basis,holder_type,username,agency,team,starts_on,ends_on\n"


def test_csv_import_with_a_bad_line_imports_nothing_and_names_the_line(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    text = (HEADER + f"{CHI},named_person,user,teacher,,,2025-09-01,\n"
            f"{OTHER_CHI},cp_enquiry,team,,police,Glenmorven Concern Hub,2025-09-01,\n")
    response = _upload(client, text)
    assert response.status_code == 400
    summary = _soup(response).select_one(".govuk-error-summary").get_text()
    assert "Line 3:" in summary and "end date" in summary
    assert "Line 2" not in summary
    listing = _soup(client.get("/admin/relationships"))
    assert listing.select("[data-testid=relationships-table] tbody tr") == []


def test_csv_import_adds_every_row_and_the_list_filters_and_pages(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    other_rows = [f"{OTHER_CHI},team_around_child,team,,social_work,Children and Families East,2024-01-{d:02d},"
                  for d in range(1, 27)]
    response = _upload(client, HEADER + f"{CHI},named_person,user,teacher,,,2025-09-01,\n" + "\n".join(other_rows))
    assert response.status_code == 302
    assert [c.details for c in _relationship_changes(app)] == [{"action": "import", "created": 27, "skipped": 0}]
    first = _soup(client.get("/admin/relationships"))
    assert "27 relationships" in first.select_one("caption").get_text()
    assert len(first.select("[data-testid=relationships-table] tbody tr")) == 25
    second = _soup(client.get(first.select_one("[data-testid=pagination] a[rel=next]")["href"]))
    assert len(second.select("[data-testid=relationships-table] tbody tr")) == 2
    one_child = _soup(relationships_for(client, CHI))
    rows = one_child.select("[data-testid=relationships-table] tbody tr")
    assert len(rows) == 1 and rows[0].select_one("[data-testid=source]").get_text(strip=True) == "Import"


def test_the_list_filters_by_holder_and_one_import_is_said_in_the_singular(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")
    response = _upload(client, HEADER + f"{CHI},named_person,user,teacher,,,2025-09-01,\n")
    assert "Imported 1 relationship (0 already recorded)." in _soup(client.get(response.headers["Location"])).get_text()
    team_row = f"{OTHER_CHI},team_around_child,team,,social_work,Children and Families East,2024-01-01,\n"
    _upload(client, HEADER + team_row)
    listing = _soup(client.get("/admin/relationships"))
    choices = {option.get_text(strip=True): option["value"] for option in listing.select("#filter-holder option")}
    teacher = next(value for label, value in choices.items() if "(teacher)" in label)
    held = _soup(relationships_for(client, holder=teacher))
    cells = held.select("[data-testid=relationships-table] [data-testid=holder]")
    holders = [cell.get_text(strip=True) for cell in cells]
    assert holders == ["Sam Reid (teacher)"]
    assert held.select_one("#filter-holder option[selected]")["value"] == teacher
    everyone = _soup(relationships_for(client, holder="user:not-a-number"))
    assert len(everyone.select("[data-testid=relationships-table] tbody tr")) == 2  # an unknown holder filters nothing
