"""Operators' view of a real child view: Prometheus metrics (restricted) and one JSON log line per request."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from portal.config import Settings
from portal.observability import REQUEST_LOGGER, request_log_handler
from tests.conftest import make_settings
from tests.integration.children.conftest import open_child

TOKEN = "metrics-token-for-tests-" + "m" * 16


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, METRICS_TOKEN=TOKEN)


@pytest.fixture
def request_log() -> Iterator[io.StringIO]:
    """What the request logger writes, in the format it writes it."""
    stream = io.StringIO()
    handler = request_log_handler()
    handler.setStream(stream)  # type: ignore[attr-defined]
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def _samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for s in family.samples}


def test_metrics_are_closed_without_the_token(child_app, client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404


def test_a_view_shows_in_the_agency_audit_and_request_metrics(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    before = _samples(client)
    open_child(client, sandbox.child("multi_agency")["chi"])
    after = _samples(client)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    for agency in ("health", "social_work", "education", "police", "scra"):
        assert grew("portal_agency_outcomes_total", agency=agency, outcome="answered") == 1
        assert grew("portal_agency_seconds_count", agency=agency, outcome="answered") == 1
    assert grew("portal_audit_write_seconds_count") >= 2  # the search and the view
    assert grew("portal_request_seconds_count", method="GET", endpoint="/children/<token>/content",
                status="200") == 1
    assert ("portal_fanout_running", ()) in after and ("portal_fanout_waiting", ()) in after
    assert after[("portal_active_sessions", ())] >= 1


def test_each_request_is_one_json_line_with_the_route_rule_and_no_personal_data(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, request_log) -> None:
    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    content_url, html = open_child(client, child["chi"])
    lines = [json.loads(line) for line in request_log.getvalue().splitlines()]
    content = [line for line in lines if line["endpoint"] == "/children/<token>/content"]
    assert len(content) == 1
    assert content[0]["method"] == "GET" and content[0]["status"] == 200
    assert isinstance(content[0]["duration_ms"], float) and len(content[0]["request_id"]) >= 8
    assert {line["endpoint"] for line in lines} >= {"/sign-in", "/children/search"}
    logged = request_log.getvalue()
    token = content_url.split("/")[2]
    for secret in (child["chi"], child["forename"], child["surname"], token, "lead.professional", "Alex Morrison"):
        assert secret not in logged
    assert child["forename"] in html  # the view itself did show the child


def test_the_request_id_from_the_proxy_is_kept_and_returned(child_app, client, request_log) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345"})
    assert response.headers["X-Request-ID"] == "proxy-abc-12345"
    assert json.loads(request_log.getvalue().splitlines()[-1])["request_id"] == "proxy-abc-12345"
