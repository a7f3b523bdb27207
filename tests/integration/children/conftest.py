"""Helpers for the child view tests: search by CHI and open a record through the real pages.

The sandbox agencies, `child_app` and `faults` come from tests/integration/conftest.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from tests.conftest import extract_csrf


def search_chi(client: FlaskClient, chi: str, purpose: str = "child_protection"):  # type: ignore[no-untyped-def]
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    return client.post("/children/search", data={"chi": chi, "purpose": purpose, "csrf_token": token},
                       follow_redirects=True)  # Post/Redirect/Get: the results are at a GET URL


def open_child(client: FlaskClient, chi: str, purpose: str = "child_protection") -> tuple[str, str]:
    """Search by CHI and open the first result; returns (content URL, content HTML)."""
    from bs4 import BeautifulSoup

    results = BeautifulSoup(search_chi(client, chi, purpose).get_data(as_text=True), "html.parser")
    link = next((a for a in results.find_all("a") if "Open record" in a.get_text()), None)
    assert link is not None, "no Open record link in the results"
    content_url = link["href"] + "/content"
    return content_url, client.get(content_url).get_data(as_text=True)


def filter_query(client: FlaskClient, content_url: str, fields: dict[str, object]) -> dict[str, list[str]]:
    """POST the chronology filter (as its form does) and return the query of the address it redirects to: the
    words typed travel there only as an opaque reference."""
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    posted = client.post(content_url, data={**fields, "csrf_token": token})
    assert posted.status_code == 303, f"the filter answered {posted.status_code}"
    return parse_qs(urlsplit(posted.headers["Location"]).query)
