"""A practitioner's browser over real HTTP (requests): the sign-in form, search by CHI, open the record."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from bs4 import BeautifulSoup

from tests.conftest import extract_csrf
from tests.support.accounts import TEST_PASSWORD

REQUEST_TIMEOUT_S = 60  # generous: a loaded 2-core machine; only a hang should reach it


@dataclass(frozen=True)
class ViewResponse:
    """What one child view answered: enough to tell whether it carried the child's record."""

    chi: str
    status: int
    body: str

    def shows(self, child_name: str) -> bool:
        return self.status == 200 and child_name in self.body


class PortalBrowser:
    """One signed-in practitioner session against a live portal."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only: never through a proxy

    def _get(self, path: str) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=REQUEST_TIMEOUT_S, allow_redirects=False)

    def sign_in(self, username: str, password: str = TEST_PASSWORD) -> None:
        token = extract_csrf(self._get("/sign-in").text)
        response = self.http.post(self.base_url + "/sign-in", timeout=REQUEST_TIMEOUT_S, allow_redirects=False,
                                  data={"username": username, "password": password, "csrf_token": token})
        if response.status_code != 302:
            raise AssertionError(f"sign-in as {username} answered {response.status_code}")

    def find_record_link(self, chi: str, purpose: str = "child_protection") -> str:
        """Search by CHI with a purpose; the first result's "Open record" path."""
        token = extract_csrf(self._get("/children/search").text)
        response = self.http.post(self.base_url + "/children/search", timeout=REQUEST_TIMEOUT_S,
                                  data={"chi": chi, "purpose": purpose, "csrf_token": token})
        soup = BeautifulSoup(response.text, "html.parser")
        link = next((a for a in soup.find_all("a") if "Open record" in a.get_text()), None)
        if link is None:
            raise AssertionError(f"search answered {response.status_code} with no Open record link")
        return str(link["href"])

    def view_content(self, record_path: str, chi: str) -> ViewResponse:
        response = self._get(record_path + "/content")
        return ViewResponse(chi=chi, status=response.status_code, body=response.text)
