"""An agency over HTTPS: its certificate is checked against the CA bundle the environment names."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from connectors.base import HttpConnector, HttpSettings
from connectors.errors import SourceUnavailableError
from tests.support.certs import loopback_certificates


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = json.dumps({"people": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Plain(HttpConnector):
    def find_people(self, query, *, deadline):  # type: ignore[no-untyped-def]
        return []

    def fetch_records(self, person, categories, *, deadline):  # type: ignore[no-untyped-def]
        raise NotImplementedError


@pytest.fixture(scope="module")
def https_agency(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    ca, cert, key = loopback_certificates(tmp_path_factory.mktemp("agency-tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}", ca
    server.shutdown()
    server.server_close()


def _ask(url: str) -> object:
    connector = _Plain(agency="scra", domain="scra", display_name="SCRA", source_system="test",
                       categories=frozenset(), http=HttpSettings(base_url=url, max_retries=0))
    try:
        return connector.get_json("/people", deadline=time.monotonic() + 5)
    finally:
        connector.close()


def test_a_certificate_signed_by_the_named_ca_is_trusted(https_agency, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, ca = https_agency
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    assert _ask(url) == {"people": []}


def test_a_certificate_no_trusted_ca_signed_is_refused(https_agency, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, _ = https_agency
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(SourceUnavailableError, match="SCRA could not be reached"):
        _ask(url)
