"""The chronology filter's words (a sibling's name, a parent's, a CHI) never reach an address, a log or the session.

The filter form is POSTed (CSRF-checked); the answer is at an address carrying the other controls and an opaque,
session-bound reference for the words (portal/children/filter_address.py). Paging (plain and htmx), the
printout and the timeline keep the words; words typed into the address are not read; a reference from another
session or an expired one gives the unfiltered chronology with a message, and is audited.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, quote, quote_plus, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup

from portal.audit.queries import search_entries
from portal.extensions import audit_db
from portal.observability import REQUEST_LOGGER, request_log_handler
from tests.conftest import TEST_PASSWORD, extract_csrf
from tests.integration.children.conftest import open_child

HX = {"HX-Request": "true"}
WORDS = "Routine contact record"  # every one of the large child's social work case notes says it
NAME = "Siobhán O'Neill 010203 4567"  # a name and a CHI, as a practitioner might look for a sibling


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], str]]:
    """Everything logged so far, down to DEBUG: the request log (which does not propagate) and every other."""
    stream = io.StringIO()
    handler = request_log_handler()
    handler.setStream(stream)  # type: ignore[attr-defined]
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    yield lambda: stream.getvalue() + caplog.text
    logger.removeHandler(handler)


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _forms_of(words: str) -> list[str]:
    """The words as they could appear in an address: as typed, URL-encoded either way, and each longer word."""
    return [words, quote(words), quote_plus(words), *(w for w in words.replace("'", " ").split() if len(w) >= 4)]


def _addresses(response) -> list[str]:  # type: ignore[no-untyped-def]
    """Every address the response gives the browser: its headers, links, form targets and GET forms' queries."""
    found = [response.headers.get(name, "") for name in ("Location", "HX-Push-Url", "HX-Redirect")]
    soup = _soup(response.get_data(as_text=True))
    for attribute in ("href", "action", "hx-get", "hx-post", "sse-connect", "src"):
        found += [str(tag[attribute]) for tag in soup.select(f"[{attribute}]")]
    for form in soup.select("form"):
        if form.get("method", "get").lower() == "get":  # its fields become the address it opens
            found.append(urlencode([(i["name"], i.get("value", "")) for i in form.select("input[name]")]))
    return found


def _leaks(texts: list[str], words: str) -> list[str]:
    return [text for text in texts for form in _forms_of(words) if form.casefold() in text.casefold()]


def _filter(client, url: str, fields: dict[str, object], *, htmx: bool = False):  # type: ignore[no-untyped-def]
    """POST the chronology filter form from the page at `url` (the form's own target, or htmx's)."""
    page = client.get(url)
    form = _soup(page.get_data(as_text=True)).select_one("[data-testid=chronology-filters]")
    target = form["hx-post"] if htmx else form["action"].split("#")[0]
    return client.post(target, data={**fields, "csrf_token": extract_csrf(page.get_data(as_text=True))},
                       headers=HX if htmx else {})


def _rows(soup: BeautifulSoup) -> list[str]:
    return [" ".join(row.get_text(" ", strip=True).split())
            for row in soup.select("[data-testid=chronology-table] tr[data-agency]")]


def _entries(app, chi: str | None, event_type: str) -> list:  # type: ignore[no-untyped-def]
    with app.app_context():
        return search_entries(audit_db.engine, child=chi, event_type=event_type, limit=10_000)


def test_the_filter_form_is_posted_with_its_csrf_token(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    url, html = open_child(client, sandbox.child("multi_agency")["chi"])
    form = _soup(html).select_one("[data-testid=chronology-filters]")
    assert form["method"] == "post" and form["action"].split("#")[0] == url
    assert form.select_one("input[name=csrf_token]")["value"]
    refused = client.post(url, data={"q": WORDS, "show": "all"})  # no token
    assert refused.status_code == 400 and "Location" not in refused.headers


def test_words_filter_every_page_and_the_printout_and_no_address_or_log_carries_them(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, every_log) -> None:
    child_app.config["FEDERATION_DEADLINE_S"] = 30.0
    sign_in("lead.professional")
    chi = sandbox.child("large")["chi"]
    url, _ = open_child(client, chi)
    posted = _filter(client, url, {"q": WORDS, "show": "all", "agency": "social_work", "order": "oldest"})
    assert posted.status_code == 303
    location = posted.headers["Location"]
    assert urlsplit(location).path == urlsplit(url).path and urlsplit(location).fragment == "chronology"
    query = parse_qs(urlsplit(location).query)
    assert query["agency"] == ["social_work"] and query["show"] == ["all"] and query["order"] == ["oldest"]
    assert query["words"][0] and "q" not in query
    responses = [posted]

    first = client.get(location)
    responses.append(first)
    soup = _soup(first.get_data(as_text=True))
    rows = _rows(soup)
    assert len(rows) == 50 and all(WORDS.casefold() in row.casefold() for row in rows)
    assert soup.select_one("#q")["value"] == WORDS, "the form shows the words it filtered by"
    assert WORDS not in soup.title.get_text()

    following = soup.select_one("nav[aria-label='Chronology pages'] a[rel=next]")
    second = client.get(following["href"])  # without JavaScript: the page built afresh
    responses.append(second)
    second_rows = _rows(_soup(second.get_data(as_text=True)))
    assert len(second_rows) == 50 and all(WORDS.casefold() in row.casefold() for row in second_rows)
    assert not set(second_rows) & set(rows)
    turned = client.get(following["hx-get"], headers=HX)  # with htmx: read on from where page 1 stopped
    responses.append(turned)
    assert turned.status_code == 200 and _rows(_soup(turned.get_data(as_text=True))) == second_rows
    assert parse_qs(urlsplit(turned.headers["HX-Push-Url"]).query)["page"] == ["2"]
    deep = client.get(url, query_string={**{k: v[0] for k, v in query.items()}, "page": 20})  # page 20 of 26
    responses.append(deep)
    assert all(WORDS.casefold() in row.casefold() for row in _rows(_soup(deep.get_data(as_text=True))))

    print_form = soup.select_one("[data-testid=print-choice]")
    carried = [(i["name"], i["value"]) for i in print_form.select("input[type=hidden]")]
    printed = client.get(print_form["action"] + "?" + urlencode(carried))
    responses.append(printed)
    printout = _soup(printed.get_data(as_text=True))
    printed_rows = _rows(printout)
    assert len(printed_rows) == 1300 and all(WORDS.casefold() in row.casefold() for row in printed_rows)
    assert WORDS in printout.select_one("[data-testid=print-filters]").get_text()

    drawn = client.get(soup.select_one("[data-testid=draw-timeline]")["href"])
    responses.append(drawn)
    assert drawn.status_code == 200 and WORDS in drawn.get_data(as_text=True)

    addresses = [address for response in responses for address in _addresses(response)]
    assert any("words=" in address for address in addresses), "the check must see the words' reference"
    assert _leaks(addresses, WORDS) == []
    assert '"endpoint": "/children/<token>/content"' in every_log(), "the request log must be in the check"
    assert _leaks([every_log()], WORDS) == []
    # The audit trail records the filters exactly as before: the words included.
    viewed = max(_entries(child_app, chi, "view_child"), key=lambda e: e.sequence)
    assert viewed.details["filtered"] == {"agency": ["social_work"], "shanarri": [], "from": "", "to": "",
                                          "q": WORDS, "show": "all", "order": "oldest"}
    paged = max(_entries(child_app, chi, "chronology_page"), key=lambda e: e.sequence)
    assert paged.details["filtered"]["q"] == WORDS and paged.details["page"] == 2


def test_a_name_filtered_with_htmx_stays_out_of_the_pushed_address_and_the_session(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, every_log) -> None:
    sign_in("lead.professional")
    url, _ = open_child(client, sandbox.child("multi_agency")["chi"])
    answered = _filter(client, url, {"q": NAME, "show": "all"}, htmx=True)
    assert answered.status_code == 200 and "Location" not in answered.headers
    fragment = _soup(answered.get_data(as_text=True))
    assert fragment.select_one("section#chronology") is not None and _rows(fragment) == []
    assert "No events match" in fragment.select_one("[data-testid=chronology-count]").get_text()
    pushed = answered.headers["HX-Push-Url"]
    assert urlsplit(pushed).path == urlsplit(url).path and parse_qs(urlsplit(pushed).query)["words"][0]
    reloaded = client.get(pushed)  # reload, or Back to this address: the same filter
    assert _soup(reloaded.get_data(as_text=True)).select_one("#q")["value"] == NAME
    assert _leaks(_addresses(answered) + _addresses(reloaded), NAME) == []
    assert _leaks([every_log()], NAME) == []
    interface = child_app.session_interface
    cookie = client.get_cookie(child_app.config["SESSION_COOKIE_NAME"])
    stored = interface._retrieve_session_data(interface._get_store_id(cookie.value))  # type: ignore[attr-defined]
    assert stored and stored.get("_user_id"), "the session was not found, so the check would be empty"
    assert _leaks([repr(stored)], NAME) == []


def test_words_typed_into_the_address_are_not_read(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    child_app.config["FEDERATION_DEADLINE_S"] = 30.0
    sign_in("lead.professional")
    url, _ = open_child(client, sandbox.child("large")["chi"])
    page = _soup(client.get(url, query_string={"q": WORDS, "show": "all"}).get_data(as_text=True))
    assert not all(WORDS.casefold() in row.casefold() for row in _rows(page))
    assert page.select_one("#q")["value"] == ""


def _signed_in_elsewhere(child_app):  # type: ignore[no-untyped-def]
    other = child_app.test_client()
    csrf = extract_csrf(other.get("/sign-in").get_data(as_text=True))
    other.post("/sign-in", data={"username": "lead.professional", "password": TEST_PASSWORD, "csrf_token": csrf})
    return other


def test_another_sessions_or_an_expired_words_reference_gives_the_unfiltered_page_and_is_audited(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, monkeypatch) -> None:
    sign_in("lead.professional")
    chi = sandbox.child("multi_agency")["chi"]
    url, _ = open_child(client, chi)
    words = parse_qs(urlsplit(_filter(client, url, {"q": "home", "show": "all"}).headers["Location"]).query)["words"]

    other = _signed_in_elsewhere(child_app)
    other_url, unfiltered = open_child(other, chi)
    refusals = len(_entries(child_app, None, "refused"))
    for response in (other.get(other_url, query_string={"show": "all", "words": words[0], "page": 2}),
                     other.get(other_url.removesuffix("/content") + "/chronology", headers=HX,
                               query_string={"show": "all", "words": words[0]})):
        assert response.status_code == 200
        page = _soup(response.get_data(as_text=True))
        message = page.select_one(".govuk-error-summary").get_text(" ", strip=True)
        assert "have expired or were typed in another session" in message
        assert page.select_one(".govuk-error-summary a")["href"] == "#q"
        assert _rows(page) == _rows(_soup(unfiltered)), "the unfiltered first page (significant events only)"
        assert page.select_one("#q")["value"] == "" and page.select_one("#show").has_attr("checked")
    refused = [e for e in _entries(child_app, None, "refused") if e.details.get("reference", "").endswith("words")]
    assert len(refused) == 2 and len(_entries(child_app, None, "refused")) == refusals + 2
    assert {e.details["reference"] for e in refused} == {"unknown, tampered or expired filter words"}

    monkeypatch.setattr("portal.form_refs.LIFETIME_S", -1)  # every reference is now past its lifetime
    expired = _soup(client.get(url, query_string={"words": words[0]}).get_data(as_text=True))
    assert "have expired" in expired.select_one(".govuk-error-summary").get_text()
    printed = client.get(url.removesuffix("/content") + "/print", query_string={"words": words[0]})
    assert printed.status_code == 200
    printout = _soup(printed.get_data(as_text=True))
    assert "containing" not in printout.select_one("[data-testid=print-filters]").get_text()
    assert "have expired" in printout.select_one("[data-testid=filter-problem]").get_text()


def test_a_wrong_date_posted_is_shown_again_with_its_error(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    url, _ = open_child(client, sandbox.child("multi_agency")["chi"])
    posted = _filter(client, url, {"from-day": "31", "from-month": "2", "from-year": "2024", "q": "home"})
    page = _soup(client.get(posted.headers["Location"]).get_data(as_text=True))
    assert "Start date must be a real date" in page.select_one(".govuk-error-summary").get_text()
    assert page.select_one("#from-day")["value"] == "31" and page.select_one("#q")["value"] == "home"
