"""FHIR R4 `batch` (`POST /fhir` with a Bundle of type `batch`), reads only: several searches in one round trip.

Each entry's `request` must be a GET of a search (`<Type>?<query>`) or a read (`<Type>/<id>`); it is
answered exactly as the same GET would be (same parameters, same faults such as `wrong_child`), as
one entry of a `batch-response` Bundle with its `response.status`. Entries are independent: one
that fails carries an OperationOutcome and the others still answer (FHIR R4 §3.1.0.11.1).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from werkzeug.wrappers import Request

from sandbox.servers.requestlog import ENVIRON_KEY, RequestLog

MAX_ENTRIES = 20  # a batch larger than any record read needs is refused whole
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           500: "Internal Server Error"}

# Answers one request as (status, resource): the app's own GET handling, without a response to serialise.
Dispatch = Callable[[Request], tuple[int, dict[str, Any]]]
Outcome = Callable[[int, str], dict[str, Any]]


def answer_batch(request: Request, dispatch: Dispatch, outcome: Outcome) -> tuple[int, dict[str, Any]]:
    """The batch-response for `request`'s Bundle, or (400, an OperationOutcome) if it is not a readable batch."""
    try:
        bundle = json.loads(request.get_data())
    except ValueError:
        return 400, outcome(400, "the body is not JSON")
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle" or bundle.get("type") != "batch":
        return 400, outcome(400, "only a Bundle of type batch is accepted here")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        return 400, outcome(400, f"a batch holds at most {MAX_ENTRIES} entries")
    answers = [_answer(request, entry, dispatch, outcome) for entry in entries]
    return 200, {"resourceType": "Bundle", "type": "batch-response", "entry": answers}


def _answer(request: Request, entry: Any, dispatch: Dispatch, outcome: Outcome) -> dict[str, Any]:
    wanted = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(wanted, dict) or not isinstance(wanted.get("url"), str):
        return _entry(400, outcome(400, "an entry has no request url"))
    if wanted.get("method") != "GET":
        return _entry(405, outcome(405, "this server is read-only: a batch may only read"))
    relative = urlsplit(wanted["url"])
    if relative.scheme or relative.netloc or relative.path.startswith("/"):
        return _entry(400, outcome(400, "an entry's url must be relative to the server's base"))
    log = request.environ.get(ENVIRON_KEY)
    if isinstance(log, RequestLog):
        log.append("GET", f"/fhir/{relative.path}", relative.query, in_batch=True)
    return _entry(*dispatch(Request(_get_environ(request, relative.path, relative.query))))


# What an entry's GET takes from the batch's own request: where it was addressed, by whom, with what credentials.
_KEPT = ("SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "HTTP_HOST", "HTTP_AUTHORIZATION",
         "wsgi.url_scheme")


def _get_environ(batch: Request, path: str, query: str) -> dict[str, Any]:
    """The environ of the GET an entry stands for: same host and scheme, the batch's own credentials, no body.
    (Built directly: werkzeug's EnvironBuilder cost more than the search it wrapped.)"""
    outer = batch.environ
    environ: dict[str, Any] = {key: outer[key] for key in _KEPT if key in outer}
    full_path = f"/fhir/{path}"
    environ.update({"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "QUERY_STRING": query,
                    # PATH_INFO is percent-decoded, its bytes read as latin-1 (PEP 3333), as a server would.
                    "PATH_INFO": unquote_to_bytes(full_path).decode("latin-1"), "wsgi.input": io.BytesIO()})
    return environ


def _entry(status: int, resource: dict[str, Any]) -> dict[str, Any]:
    return {"resource": resource, "response": {"status": f"{status} {REASONS.get(status, '')}".strip()}}
