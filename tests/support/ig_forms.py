"""The IG forms as a browser sends them: POSTed with the page's CSRF token (no CHI or name in an address)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import extract_csrf


def _csrf(client: FlaskClient, page: str) -> str:
    return extract_csrf(client.get(page).get_data(as_text=True))


def search_trail(client: FlaskClient, fields: str) -> TestResponse:
    """Search the trail through the form (`fields` as "chi=...&user=..."); follows the redirect to the results'
    opaque address."""
    form = dict(parse_qsl(fields, keep_blank_values=True))
    return client.post("/ig/audit", data={**form, "csrf_token": _csrf(client, "/ig/audit")}, follow_redirects=True)


def who_viewed(client: FlaskClient, chi: str) -> TestResponse:
    return client.post("/ig/who-viewed", data={"chi": chi, "csrf_token": _csrf(client, "/ig/who-viewed")})


def who_viewed_csv(client: FlaskClient, chi: str) -> TestResponse:
    return client.post("/ig/who-viewed.csv", data={"chi": chi, "csrf_token": _csrf(client, "/ig/who-viewed")})


def download_export(client: FlaskClient, fields: str) -> TestResponse:
    form = dict(parse_qsl(fields, keep_blank_values=True))
    return client.post("/ig/exports/download", data={**form, "csrf_token": _csrf(client, "/ig/exports")})
