"""One connection pool per HTTP connector, shared by every fan-out thread: nothing a response says changes it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.base import HttpConnector, HttpSettings


class _CookieSettingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = json.dumps({"cookie_sent": self.headers.get("Cookie")}).encode()
        self.send_response(200)
        self.send_header("Set-Cookie", f"tracker={self.path}; Path=/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def agency_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CookieSettingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class _Plain(HttpConnector):
    def find_people(self, query, *, deadline):  # type: ignore[no-untyped-def]
        return []

    def fetch_records(self, person, categories, *, deadline):  # type: ignore[no-untyped-def]
        raise NotImplementedError


def test_threads_sharing_the_pool_never_send_a_cookie_an_agency_set(agency_url: str) -> None:
    connector = _Plain(agency="health", domain="health", display_name="Health", source_system="test",
                       categories=frozenset(), http=HttpSettings(base_url=agency_url, max_connections=6))
    try:
        def ask(n: int) -> object:
            return connector.get_json(f"/child/{n}", deadline=time.monotonic() + 10)

        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(ask, range(30)))
        assert answers == [{"cookie_sent": None}] * 30
        assert connector.pool.connection_pool_kw["maxsize"] == 6
    finally:
        connector.close()
