"""The systems' HTTP listener: keep-alive connections serve request after request, and `refuse` drops them."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from sandbox.launcher import SandboxHandle
from tests.integration.sandbox.conftest import ADMIN_KEY, EDUCATION_AUTH, set_fault


def _connection(handle: SandboxHandle, agency: str) -> tuple[http.client.HTTPConnection, str]:
    url = urlsplit(handle.urls[agency])
    return http.client.HTTPConnection(url.hostname or "", url.port, timeout=5), url.path


def test_one_connection_answers_request_after_request(sandbox: SandboxHandle) -> None:
    connection, prefix = _connection(sandbox, "education")
    try:
        connection.request("GET", f"{prefix}/pupils/pu1/notes", headers=EDUCATION_AUTH)
        first = connection.getresponse()
        notes = json.loads(first.read())
        assert first.status == 200 and notes["items"] and notes["total"] == len(notes["items"])
        kept = connection.sock

        connection.request("HEAD", f"{prefix}/pupils/pu1/notes", headers=EDUCATION_AUTH)
        head = connection.getresponse()
        assert head.status == 200 and head.read() == b""
        assert int(head.headers["Content-Length"]) > 0

        connection.request("GET", f"{prefix}/pupils/pu%31/notes", headers=EDUCATION_AUTH)  # "pu1", percent-encoded
        again = connection.getresponse()
        assert again.status == 200 and json.loads(again.read()) == notes
        assert connection.sock is kept  # the same TCP connection all along
    finally:
        connection.close()


def test_refuse_drops_a_connection_already_open(faults: SandboxHandle) -> None:
    connection, prefix = _connection(faults, "education")
    try:
        connection.request("GET", f"{prefix}/pupils/pu1/notes", headers=EDUCATION_AUTH)
        assert connection.getresponse().read()
        set_fault(faults, "education", mode="refuse")
        with pytest.raises(ConnectionError):  # reset, broken pipe or closed before an answer: all are
            connection.request("GET", f"{prefix}/pupils/pu1/notes", headers=EDUCATION_AUTH)
            connection.getresponse().read()
    finally:
        connection.close()
    admin_url = urlsplit(faults.admin_urls["education"])
    admin = http.client.HTTPConnection(admin_url.hostname or "", admin_url.port, timeout=5)
    admin.request("DELETE", "/_sandbox/faults", headers={"X-Sandbox-Admin": ADMIN_KEY})
    assert admin.getresponse().status == 200
    admin.close()
    reopened, _ = _connection(faults, "education")
    reopened.request("GET", f"{prefix}/pupils/pu1/notes", headers=EDUCATION_AUTH)
    assert reopened.getresponse().status == 200
    reopened.close()
