"""The child view against the real sandbox agencies (separate processes, real HTTP and SQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.demo import seed_demo_relationships
from tests.conftest import extract_csrf
from tests.support.sandbox import RunningSandbox, environment, running_sandbox, set_fault


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def child_app(app: Flask, sandbox: RunningSandbox, tmp_path: Path) -> Iterator[Flask]:
    """The portal wired to the sandbox, with the demo relationships."""
    with environment(sandbox.env):
        with app.app_context():
            seed_demo_relationships(sandbox.cohort, tmp_path, today=date.today())
        yield app
        registry = app.extensions.get("registry")
        if registry is not None:
            registry.close()


@pytest.fixture
def faults(sandbox: RunningSandbox) -> Iterator[Callable[..., None]]:
    """Set agency faults for one test; all are cleared afterwards."""
    touched: set[str] = set()

    def _set(agency: str, mode: str | None, **options: object) -> None:
        touched.add(agency)
        set_fault(sandbox, agency, mode, **options)

    yield _set
    for agency in touched:
        set_fault(sandbox, agency, None)


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
