"""The child view, through the app, against the real sandbox agencies."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from tests.conftest import extract_csrf
from tests.integration.children.conftest import open_child, search_chi

AGENCY_NAMES = (
    "NHS Glenmorven", "Glenmorven Council social work", "Education", "Police Scotland", "Children's Reporter",
)


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _flow_states(soup: BeautifulSoup) -> dict[str, str]:
    return {row["data-agency"]: row["data-state"] for row in soup.select("[data-testid=data-flows] tr[data-agency]")}


def test_search_by_chi_then_open_shows_all_five_agencies_merged(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    url, html = open_child(client, child["chi"])
    soup = _soup(html)
    assert soup.select_one("[data-testid=child-name]").get_text(strip=True) == f"{child['forename']} {child['surname']}"
    assert set(_flow_states(soup).values()) == {"answered"}
    rows = soup.select("[data-testid=chronology-table] tr[data-agency]")
    agencies_in_chronology = {row["data-agency"] for row in rows}
    assert agencies_in_chronology == {"health", "social_work", "education", "police", "scra"}
    dates = [cell.get_text(strip=True) for cell in soup.select("[data-testid=chronology-table] td.portal-date")]
    assert dates, "no chronology rows"
    # Every KIS value names its source agency and system.
    for value in soup.select("[data-testid=kis] .portal-provenance"):
        assert any(name in value.get_text() for name in AGENCY_NAMES)
    assert "Agencies disagree" not in soup.select_one("[data-field=birth_date]").get_text()


def test_child_pages_keep_personal_data_out_of_urls_titles_and_caches(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    url, html = open_child(client, child["chi"])
    assert child["chi"] not in url and child["surname"] not in url
    for path in (url, url.removesuffix("/content")):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        title = _soup(response.get_data(as_text=True)).title.get_text()
        assert child["surname"] not in title and child["chi"] not in title


def test_page_shell_has_no_record_content_and_streams_it(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    url, _ = open_child(client, child["chi"])
    shell = _soup(client.get(url.removesuffix("/content")).get_data(as_text=True))
    # The header the practitioner already saw on the results page appears at once; no agency content does.
    assert shell.select_one("[data-testid=child-name-pending]").get_text(strip=True) == (
        f"{child['forename']} {child['surname']}")
    assert not shell.select("[data-testid=kis], [data-testid=chronology], [data-testid=data-flows]")
    loader = shell.select_one("#child-record")
    assert loader["sse-connect"].endswith("/stream") and loader["sse-swap"] == "record"
    progress = shell.select("[data-testid=pending-agencies] li")
    assert [li["sse-swap"] for li in progress] == [f"status-{a}" for a in
                                                   ("health", "social_work", "education", "police", "scra")]
    assert shell.select_one(".portal-no-js-only a")["href"].endswith("/content")
    fragment = client.get(url, headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and child["surname"] in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_invalid_chi_says_which_check_failed(child_app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    response = search_chi(client, "1904851232")
    assert response.status_code == 400
    summary = _soup(response.get_data(as_text=True)).select_one(".govuk-error-summary")
    assert "CHI number check digit does not match" in summary.get_text()
    assert summary.find("a")["href"] == "#chi"


def test_search_needs_a_purpose(child_app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    response = client.post("/children/search", data={"chi": "1904851231", "csrf_token": token})
    assert response.status_code == 400
    assert "Select why you need to see" in response.get_data(as_text=True)


def _search_by_name(client: FlaskClient, forename: str, surname: str, born: str, purpose: str = "child_protection"):  # type: ignore[no-untyped-def]
    day = date.fromisoformat(born)
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    return client.post("/children/search", data={
        "forename": forename, "surname": surname, "dob-day": str(day.day), "dob-month": str(day.month),
        "dob-year": str(day.year), "purpose": purpose, "csrf_token": token}, follow_redirects=True)


def test_twins_are_offered_as_two_separate_children(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    twins = sandbox.children("twins")
    assert len(twins) == 2
    response = _search_by_name(client, "", twins[0]["surname"], twins[0]["birth_date"])
    cards = _soup(response.get_data(as_text=True)).select("[data-testid=result]")
    found = {card.select_one("h2").get_text(strip=True) for card in cards}
    assert {f"{t['forename']} {t['surname']}" for t in twins} <= found
    assert len([c for c in cards if twins[0]["surname"] in c.get_text()]) >= 2


def test_child_without_chi_in_police_is_a_candidate_until_confirmed(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    child = sandbox.child("no_chi_police")
    response = _search_by_name(client, child["forename"], child["surname"], child["birth_date"])
    soup = _soup(response.get_data(as_text=True))
    link = next(a for a in soup.find_all("a") if "Open record" in a.get_text())
    page = _soup(client.get(link["href"] + "/content").get_data(as_text=True))
    assert _flow_states(page)["police"] == "no_record"
    card = page.select_one("[data-testid=candidates]")
    assert card is not None and "Police Scotland" in card.get_text()
    reasons = card.select_one("[data-testid=candidate-reasons]").get_text()
    assert "date of birth" in reasons.lower()
    form = card.find("form")
    fields = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    fields["decision"] = "confirm"
    confirmed = client.post(form["action"], data=fields)
    assert confirmed.status_code == 302
    after = _soup(client.get(confirmed.headers["Location"] + "/content").get_data(as_text=True))
    assert _flow_states(after)["police"] == "answered"
    assert after.select("[data-testid=chronology-table] tr[data-agency=police]")
    assert "Police Scotland" in after.select_one("[data-field=police_concerns_recent]").get_text()


def test_filter_narrows_the_chronology_to_one_agency(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    url, html = open_child(client, child["chi"])
    chronology_url = url.removesuffix("/content") + "/chronology"
    fragment = client.get(chronology_url, query_string={"agency": "police", "show": "all"},
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    rows = _soup(fragment).select("[data-testid=chronology-table] tr[data-agency]")
    assert rows and {row["data-agency"] for row in rows} == {"police"}
    full_rows = _soup(html).select("[data-testid=chronology-table] tr[data-agency]")
    assert len(rows) < len(full_rows)


def test_bad_filter_dates_get_a_clear_message_and_the_view_stays(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    url, _ = open_child(client, sandbox.child("multi_agency")["chi"])
    page = _soup(client.get(url, query_string={"from": "2024-02-31"}).get_data(as_text=True))
    assert "Start date must be a real date" in page.select_one(".govuk-error-summary").get_text()
    assert page.select("[data-testid=chronology-table] tr[data-agency]")


def test_timeline_has_one_lane_per_agency(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    _, html = open_child(client, sandbox.child("multi_agency")["chi"])
    svg = _soup(html).select_one("[data-testid=timeline] svg")
    assert svg["role"] == "group" and svg["aria-labelledby"] and svg["aria-describedby"]  # markers inside take focus
    lanes = [g["data-agency"] for g in svg.select("g[data-agency]")]
    assert lanes == ["health", "social_work", "education", "police", "scra"]
    assert svg.select_one("desc").get_text().count("events.") == 5


def test_large_child_pages_the_chronology(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    url, html = open_child(client, sandbox.child("large")["chi"])
    soup = _soup(html)
    assert len(soup.select("[data-testid=chronology-table] tr[data-agency]")) <= 60
    next_link = soup.select_one("a[rel=next]")
    assert next_link is not None and next_link["hx-get"]
    page_two = _soup(client.get(next_link["hx-get"], headers={"HX-Request": "true"}).get_data(as_text=True))
    assert "Page 2 of" in page_two.get_text()


def test_print_layout_is_watermarked_and_audited(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    from portal.audit.queries import search_entries
    from portal.extensions import audit_db

    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    url, _ = open_child(client, child["chi"])
    page = _soup(client.get(url.removesuffix("/content") + "/print").get_data(as_text=True))
    marking = page.select_one("[data-testid=print-marking]").get_text()
    assert "OFFICIAL-SENSITIVE" in marking and "Alex Morrison" in marking
    assert "OFFICIAL-SENSITIVE" in page.select_one(".portal-print-watermark").get_text()
    with child_app.app_context():
        prints = search_entries(audit_db.engine, child=child["chi"], event_type="print")
    assert len(prints) == 1


def test_conflicting_values_are_both_shown_with_their_sources(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    child = next(c for c in sandbox.children("name_variant") if c["forename"] in ("Katie", "Kate"))
    _, html = open_child(client, child["chi"])
    name_field = _soup(html).select_one("[data-field=name] dd")
    text = name_field.get_text(" ", strip=True)
    assert "Agencies disagree" in text
    assert "Katie Gillespie" in text and "Kate Gillespie" in text
    assert len(name_field.select(".portal-provenance")) >= 2


def test_agreeing_values_are_shown_once_with_every_source(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    _, html = open_child(client, sandbox.child("multi_agency")["chi"])
    birth = _soup(html).select_one("[data-field=birth_date] dd")
    assert len(birth.select("p")) == 1
    provenance = birth.select_one(".portal-provenance").get_text()
    assert "NHS Glenmorven" in provenance and "Education" in provenance


def test_every_kis_value_can_say_why_it_is_shown(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    _, html = open_child(client, sandbox.child("multi_agency")["chi"])
    soup = _soup(html)
    gp = soup.select_one("[data-field=gp_practice] .portal-why").get_text(" ", strip=True)
    assert "Shared under agreement" in gp and "Purpose: Child protection enquiry or IRD" in gp
    name = soup.select_one("[data-field=name] .portal-why").get_text(" ", strip=True)
    assert "identifies the child" in name
    for row in soup.select("[data-testid=kis] [data-field]"):
        values = row.select("dd > p.govuk-body")
        assert len(row.select(".portal-why")) == len(values)


def test_timeline_description_counts_events_not_markers(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    url, _ = open_child(client, sandbox.child("large")["chi"])
    # A long history's timeline is drawn when asked for (its own read of every event); the printout counts them too.
    offer = _soup(client.get(url, query_string={"show": "all"}).get_data(as_text=True))
    page = _soup(client.get(offer.select_one("[data-testid=draw-timeline]")["href"]).get_data(as_text=True))
    svg = page.select_one("[data-testid=timeline] svg")
    described = sum(int(part.split(": ")[1].split(" ")[0]) for part in svg.select_one("desc").get_text().split(". ")
                    if ": " in part and part.split(": ")[1].split(" ")[0].isdigit())
    printed = _soup(client.get(url.removesuffix("/content") + "/print", query_string={"show": "all"}
                               ).get_data(as_text=True))
    count = printed.select_one("[data-testid=chronology-count]").get_text()
    matching = int(count.split("(")[1].split(" of")[0])
    assert described == matching
    assert len(svg.select("circle, rect, polygon")) < matching / 2, "dense lanes are drawn with merged markers"
