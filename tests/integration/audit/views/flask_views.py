"""The same practitioner steps as portal_client, through an in-process app's test client."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import extract_csrf
from tests.support.accounts import TEST_PASSWORD


def sign_in(client: FlaskClient, username: str) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={"username": username, "password": TEST_PASSWORD,
                                             "csrf_token": extract_csrf(page)})
    assert response.status_code == 302, f"sign-in as {username} failed"


def search_by_chi(client: FlaskClient, chi: str, purpose: str = "child_protection") -> TestResponse:
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    return client.post("/children/search", data={"chi": chi, "purpose": purpose, "csrf_token": token},
                       follow_redirects=True)  # Post/Redirect/Get: the results are at a GET URL


def search_by_name(client: FlaskClient, child: dict, purpose: str = "child_protection") -> TestResponse:
    born = date.fromisoformat(child["birth_date"])
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    return client.post("/children/search", data={
        "forename": child["forename"], "surname": child["surname"], "dob-day": str(born.day),
        "dob-month": str(born.month), "dob-year": str(born.year), "purpose": purpose, "csrf_token": token},
        follow_redirects=True)


def first_record_link(results: TestResponse) -> str:
    soup = BeautifulSoup(results.get_data(as_text=True), "html.parser")
    link = next((a for a in soup.find_all("a") if "Open record" in a.get_text()), None)
    assert link is not None, f"search answered {results.status_code} with no Open record link"
    return str(link["href"])


def open_child(client: FlaskClient, chi: str) -> tuple[str, TestResponse]:
    """Search by CHI, open the first result's content; (record path, content response)."""
    path = first_record_link(search_by_chi(client, chi))
    return path, client.get(path + "/content")
