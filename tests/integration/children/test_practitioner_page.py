"""The practitioner's page (issue 13), through the app against the real sandbox agencies.

Safety first, gaps said out loud, search results at a GET address without a CHI or a name,
filters that survive in the address and in print, strict GOV.UK date boxes, and plain words.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import unquote

from bs4 import BeautifulSoup

from tests.conftest import extract_csrf
from tests.integration.children.conftest import open_child
from tests.support.accounts import TEST_PASSWORD


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _post_search(client, **fields: str):  # type: ignore[no-untyped-def]
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    return client.post("/children/search", data={"purpose": "child_protection", "csrf_token": token, **fields})


def _matching(soup: BeautifulSoup) -> int:
    return int(soup.select_one("[data-testid=matching-count]").get_text(strip=True))


def test_search_redirects_to_results_at_an_address_without_the_chi_or_name(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox) -> None:
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    posted = _post_search(client, chi=child["chi"])
    assert posted.status_code == 303
    results_url = posted.headers["Location"]
    assert results_url.startswith("/children/results/")
    assert child["chi"] not in unquote(results_url) and child["surname"] not in unquote(results_url)
    results = client.get(results_url)
    assert results.status_code == 200
    card = _soup(results.get_data(as_text=True)).select_one("[data-testid=result]")
    assert _soup(results.get_data(as_text=True)).select("[data-testid=search-incomplete]") == []  # all answered
    assert card.select_one("h2").get_text(strip=True) == f"{child['forename']} {child['surname']}"
    # The child's page offers the way back to exactly these results.
    link = next(a["href"] for a in card.find_all("a") if "Open record" in a.get_text())
    shell = _soup(client.get(link).get_data(as_text=True))
    assert shell.select_one("[data-testid=back-to-results]")["href"] == results_url


def test_a_results_address_is_useless_to_anyone_else(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    results_url = _post_search(client, chi=sandbox.child("multi_agency")["chi"]).headers["Location"]
    assert client.get("/children/results/not-a-reference").status_code == 404
    other = child_app.test_client()
    csrf = extract_csrf(other.get("/sign-in").get_data(as_text=True))
    assert other.post("/sign-in", data={"username": "health.visitor", "password": TEST_PASSWORD,
                                        "csrf_token": csrf}).status_code == 302
    assert other.get(results_url).status_code == 404


def test_a_chi_search_says_how_it_matched_in_words(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    page = _soup(client.get(_post_search(client, chi=child["chi"]).headers["Location"]).get_data(as_text=True))
    matched = page.select_one("[data-testid=how-matched]").get_text(" ", strip=True)
    assert matched.startswith("Exact identifier The CHI number you entered is held by")
    assert "not recorded" not in matched and "score" not in page.get_text()
    assert page.select_one("[data-testid=sex]").get_text(strip=True) in {"Female", "Male"}


def test_twins_are_marked_check_carefully_and_say_what_matched(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    twins = sandbox.children("twins")
    born = date.fromisoformat(twins[0]["birth_date"])
    posted = _post_search(client, surname=twins[0]["surname"], **{
        "dob-day": str(born.day), "dob-month": str(born.month), "dob-year": str(born.year)})
    page = _soup(client.get(posted.headers["Location"]).get_data(as_text=True))
    cards = {card.select_one("h2").get_text(strip=True): card for card in page.select("[data-testid=result]")}
    for twin in twins:
        card = cards[f"{twin['forename']} {twin['surname']}"]
        warning = card.select_one("[data-testid=check-carefully]").get_text(" ", strip=True)
        assert "Same date of birth and address as another child in these results: check carefully." in warning
        matched = card.select_one("[data-testid=how-matched]").get_text(" ", strip=True)
        assert "last name matches" in matched and "date of birth matches" in matched
        assert "first name not recorded" not in matched  # no first name was entered: not the agencies' gap


def test_the_first_screen_is_safety_then_people_then_the_rest(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    _, html = open_child(client, sandbox.child("multi_agency")["chi"])
    soup = _soup(html)
    order = [section["data-testid"] for section in soup.select(
        "[data-testid=safety], [data-testid=involved], [data-testid=kis-more], [data-testid=data-flows], "
        "[data-testid=chronology]")]
    assert order == ["safety", "involved", "kis-more", "data-flows", "chronology"]
    assert soup.select_one("[data-testid=identity-line]").get_text(" ", strip=True).startswith("Born ")
    # Identity details with their sources are folded until asked.
    assert soup.select_one("[data-testid=identity-details] [data-field=name]") is not None
    assert soup.select_one("[data-testid=identity-details]").name == "details"
    people = [row["data-field"] for row in soup.select("[data-testid=involved] [data-field]")]
    assert people[0] == "lead_professional"


def test_a_review_date_already_past_is_flagged_and_a_future_one_is_not(child_app, client, sign_in, sandbox,  # type: ignore[no-untyped-def]
                                                                      monkeypatch) -> None:
    from portal.children import routes

    sign_in("lead.professional")
    url, html = open_child(client, sandbox.child("multi_agency")["chi"])
    cp = _soup(html).select_one("[data-testid=safety] [data-field=cp_register] dd").get_text(" ", strip=True)
    review = re.search(r"Next review (\d{1,2} \w+ \d{4})", cp)
    assert review, f"the multi-agency story's child has a review date: {cp}"
    due = datetime.strptime(review[1], "%d %B %Y").date()
    monkeypatch.setattr(routes, "today", lambda: date(due.year + 1, due.month, 1))
    alerts = _soup(client.get(url).get_data(as_text=True)).select_one("[data-testid=alerts]")
    assert "Child protection register" in alerts.get_text()
    assert f"Review overdue: was due {review[1]}" in alerts.get_text()
    monkeypatch.setattr(routes, "today", lambda: date(due.year - 1, due.month, 1))
    alerts = _soup(client.get(url).get_data(as_text=True)).select_one("[data-testid=alerts]")
    assert "Child protection register" in alerts.get_text() and "Review overdue" not in alerts.get_text()


def test_an_agency_that_does_not_answer_is_said_above_the_chronology_in_its_lane_and_in_print(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, faults) -> None:
    child_app.config["FEDERATION_DEADLINE_S"] = 1.5
    sign_in("lead.professional")
    faults("education", "hang")
    url, html = open_child(client, sandbox.child("multi_agency")["chi"])
    soup = _soup(html)
    banner = soup.select_one("[data-testid=incomplete-banner]").get_text(" ", strip=True)
    assert "This may not be the whole picture" in banner and "Education did not answer in time" in banner
    notice = soup.select_one("[data-testid=chronology-incomplete]").get_text(" ", strip=True)
    assert "This chronology may be incomplete" in notice and "Education" in notice
    lane = soup.select_one("[data-testid=timeline] g[data-agency=education]")
    assert "may be incomplete" in lane.get_text() and "did not answer" in lane.get_text()
    assert soup.select_one("[data-testid=timeline] g[data-agency=health]").select("[data-testid=lane-gap]") == []
    printed = _soup(client.get(url.removesuffix("/content") + "/print").get_data(as_text=True))
    assert "Education did not answer in time" in printed.select_one("[data-testid=incomplete-banner]").get_text()


def test_a_complete_answer_has_no_incompleteness_banner(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    _, html = open_child(client, sandbox.child("multi_agency")["chi"])
    soup = _soup(html)
    assert {row["data-state"] for row in soup.select("[data-testid=data-flows] tr[data-agency]")} == {"answered"}
    assert soup.select("[data-testid=incomplete-banner], [data-testid=chronology-incomplete]") == []


def test_chronology_dates_are_govuk_day_month_year_boxes_and_strict(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    url, html = open_child(client, sandbox.child("multi_agency")["chi"])
    form = _soup(html).select_one("[data-testid=chronology-filters]")
    assert [i["name"] for i in form.select("#from input")] == ["from-day", "from-month", "from-year"]
    cases = (({"from-day": "31", "from-month": "2", "from-year": "2024"}, "Start date must be a real date"),
             ({"from-day": "3", "from-year": "2024"}, "Start date must include a month"),
             ({"to-day": "x", "to-month": "1", "to-year": "2024"}, "End date must be a real date"),
             ({"from-day": "1", "from-month": "1", "from-year": "24"}, "Start date must be a real date"))
    for typed, message in cases:
        response = client.get(url, query_string=typed)
        assert response.status_code == 200
        summary = _soup(response.get_data(as_text=True)).select_one(".govuk-error-summary")
        assert message in summary.get_text()
        assert summary.find("a")["href"] in ("#from-day", "#to-day")
    # A real range narrows the chronology to it, and the boxes show what was typed.
    narrowed = _soup(client.get(url, query_string={"from-day": "1", "from-month": "1", "from-year": "2026",
                                                   "show": "all"}).get_data(as_text=True))
    assert narrowed.select_one("#from-year")["value"] == "2026"
    assert all(cell.get_text(strip=True).endswith(("2026", "2027"))
               for cell in narrowed.select("[data-testid=chronology-table] td.portal-date"))


def test_a_filter_puts_itself_in_the_address_without_the_child(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    url, _ = open_child(client, child["chi"])
    fragment = client.get(url.removesuffix("/content") + "/chronology", headers={"HX-Request": "true"},
                          query_string={"agency": "police", "show": "all"})
    pushed = fragment.headers["HX-Push-Url"]
    assert pushed.startswith(url) and "agency=police" in pushed and "show=all" in pushed
    assert child["chi"] not in pushed and child["surname"] not in pushed
    # The pushed address is a whole page with the same filters applied.
    again = _soup(client.get(pushed).get_data(as_text=True))
    assert {row["data-agency"] for row in again.select("[data-testid=chronology-table] tr[data-agency]")} == {"police"}


def test_print_honours_the_filters_and_the_chosen_sections(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    url, _ = open_child(client, sandbox.child("multi_agency")["chi"])
    filters = {"shanarri": "safe"}
    on_screen = _soup(client.get(url, query_string=filters).get_data(as_text=True))
    print_form = on_screen.select_one("[data-testid=print-choice]")
    carried = {i["name"]: i["value"] for i in print_form.select("input[type=hidden]")}
    assert carried["shanarri"] == "safe"
    printed = _soup(client.get(url.removesuffix("/content") + "/print", query_string=carried).get_data(as_text=True))
    assert _matching(printed) == _matching(on_screen) > 0
    assert len(printed.select("[data-testid=chronology-table] tr[data-agency]")) == _matching(on_screen)
    assert "Safe" in printed.select_one("[data-testid=print-filters]").get_text()
    assert printed.select_one("[data-testid=timeline]") is not None and printed.select_one("[data-testid=kis]")
    only_timeline = _soup(client.get(url.removesuffix("/content") + "/print",
                                     query_string={**carried, "section": "timeline"}).get_data(as_text=True))
    assert only_timeline.select_one("[data-testid=timeline]") is not None
    assert only_timeline.select("[data-testid=chronology-table], [data-testid=kis]") == []


def test_codes_never_reach_the_page(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    _, html = open_child(client, sandbox.child("multi_agency")["chi"])
    soup = _soup(html)
    for hidden in soup.select("script, style, input, [data-field] details"):
        hidden.decompose()
    text = soup.get_text(" ", strip=True)
    for code in ("Cp registration", "Scra referral", "multi_agency", "social_work", "team_around_child"):
        assert code not in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), "one date format: 18 April 2026"
    key = [item.get_text(strip=True) for item in soup.select("[data-testid=timeline-key] li")]
    assert "Child protection registration" in key and "Referral to the Children's Reporter" in key


def test_an_empty_break_glass_form_says_what_is_missing_in_each_field(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("teacher")
    child = sandbox.child("multi_agency")  # the teacher holds no relationship with the multi-agency stories
    results = _soup(client.get(_post_search(client, chi=child["chi"]).headers["Location"]).get_data(as_text=True))
    link = next(a["href"] for a in results.find_all("a") if "Open record" in a.get_text())
    refused = client.get(link)
    assert refused.status_code == 403
    csrf = extract_csrf(refused.get_data(as_text=True))
    answer = client.post(link + "/break-glass", data={"csrf_token": csrf, "reason": "", "justification": ""})
    assert answer.status_code == 400
    summary = _soup(answer.get_data(as_text=True)).select_one(".govuk-error-summary")
    assert [a["href"] for a in summary.find_all("a")] == ["#reason", "#justification"]
    assert "Select why this is an emergency" in summary.get_text()


def test_a_refusal_offers_another_purpose(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("teacher")
    child = sandbox.child("multi_agency")  # the teacher holds no relationship with the multi-agency stories
    results = _soup(client.get(_post_search(client, chi=child["chi"]).headers["Location"]).get_data(as_text=True))
    link = next(a["href"] for a in results.find_all("a") if "Open record" in a.get_text())
    refused = _soup(client.get(link).get_data(as_text=True))
    form = refused.select_one("[data-testid=change-purpose]")
    offered = {i["value"] for i in form.select("input[name=purpose]")}
    assert "girfec_wellbeing" in offered and "child_protection" not in offered  # not the one just refused
    moved = client.post(form["action"], data={"csrf_token": extract_csrf(str(refused)), "purpose": "girfec_wellbeing"})
    assert moved.status_code == 302 and moved.headers["Location"] != link
    again = _soup(client.get(moved.headers["Location"]).get_data(as_text=True))
    assert "GIRFEC wellbeing planning" in again.get_text()


def test_namesakes_are_marked_check_carefully(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    namesakes = sandbox.children("namesake")
    assert len({c["chi"] for c in namesakes}) == 2 and len({c["postcode"] for c in namesakes}) == 2
    born = date.fromisoformat(namesakes[0]["birth_date"])
    posted = _post_search(client, forename=namesakes[0]["forename"], surname=namesakes[0]["surname"], **{
        "dob-day": str(born.day), "dob-month": str(born.month), "dob-year": str(born.year)})
    page = _soup(client.get(posted.headers["Location"]).get_data(as_text=True))
    cards = [card for card in page.select("[data-testid=result]")
             if card.select_one("h2").get_text(strip=True) == f"{namesakes[0]['forename']} {namesakes[0]['surname']}"]
    assert len(cards) == 2
    for card in cards:
        warning = card.select_one("[data-testid=check-carefully]").get_text(" ", strip=True)
        assert "Same name and date of birth as another child in these results: check carefully." in warning


def test_results_say_when_an_agency_did_not_answer_the_search(child_app, client, sign_in, sandbox, faults) -> None:  # type: ignore[no-untyped-def]
    child_app.config["FEDERATION_DEADLINE_S"] = 1.5
    sign_in("lead.professional")
    faults("education", "hang")
    page = _soup(client.get(_post_search(client, chi=sandbox.child("multi_agency")["chi"]).headers["Location"])
                 .get_data(as_text=True))
    warning = page.select_one("[data-testid=search-incomplete]").get_text(" ", strip=True)
    assert "These results may be incomplete: Education did not answer" in warning
