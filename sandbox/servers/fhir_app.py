"""A read-only FHIR R4 server (JSON) over the health document store.

`/fhir/metadata` (no auth), `/fhir/<Type>?<search>` returning a searchset Bundle with
`total` and `self`/`next` links, `/fhir/<Type>/<id>`, and `POST /fhir` with a batch Bundle of those
reads. Errors are OperationOutcomes.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from werkzeug.wrappers import Request, Response

from sandbox.servers.config import CHI_SYSTEM_OID, CHI_SYSTEM_URI, Credentials
from sandbox.servers.docstore import Clause, DocumentStore, Page
from sandbox.servers.faults import FaultState
from sandbox.servers.fhir_batch import answer_batch
from sandbox.servers.fhir_search import (
    SUPPORTED_TYPES,
    ParsedSearch,
    SearchError,
    allowed_params,
    parse_search,
)

log = logging.getLogger("sandbox.health")
FHIR_JSON = "application/fhir+json; charset=utf-8"
ISSUE_CODES = {400: "invalid", 401: "login", 404: "not-found", 405: "not-supported", 500: "exception",
               503: "transient", 504: "timeout"}


def operation_outcome(status: int, message: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": ISSUE_CODES.get(status, "processing"), "diagnostics": message}],
    }


def render_fhir_error(status: int, message: str) -> tuple[bytes, str]:
    """Error body for the fault middleware: an OperationOutcome."""
    return json.dumps(operation_outcome(status, message)).encode(), FHIR_JSON


def _fhir(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), status=status, content_type=FHIR_JSON, headers=headers)


def _base_url(request: Request) -> str:
    """`http://host:port/fhir` as the client addressed us (werkzeug's `host_url` also IRI-decodes the
    whole URL, which cost more than the search)."""
    return f"{request.scheme}://{request.host}/fhir"


def _problem(status: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, operation_outcome(status, message)


def _error(status: int, message: str) -> Response:
    return _fhir(operation_outcome(status, message), status)


class FhirApp:
    """WSGI app for the health system."""

    def __init__(self, store: DocumentStore, faults: FaultState, credentials: Credentials) -> None:
        self.store, self.faults = store, faults
        self.token = credentials.health_token
        self.chi_systems = tuple(dict.fromkeys((credentials.chi_system, CHI_SYSTEM_URI, CHI_SYSTEM_OID)))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            response = self.dispatch(Request(environ))
        except Exception as e:  # an unexpected failure still answers in FHIR, without leaking details
            log.error("health request failed: %s", type(e).__name__)
            response = _error(500, "internal error")
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        status, payload = self.answer(request)
        headers = {"WWW-Authenticate": 'Bearer realm="fhir"'} if status == 401 else None
        return _fhir(payload, status, headers)

    def answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        """The status and FHIR resource for one request. A batch answers its entries through this too, so an
        entry's resource goes into the batch-response as it is (not serialised and parsed back)."""
        parts = [p for p in request.path.split("/") if p]
        if not parts or parts[0] != "fhir" or len(parts) > 3:
            return _problem(404, "no such endpoint")
        if parts == ["fhir"] and request.method == "POST":  # a batch of reads (sandbox.servers.fhir_batch)
            if not self._authorised(request):
                return _problem(401, "missing or invalid bearer token")
            return answer_batch(request, self.answer, operation_outcome)
        if request.method not in ("GET", "HEAD"):
            return _problem(405, "this server is read-only")
        if parts[1:] == ["metadata"]:
            return 200, self.capability_statement(request)
        if not self._authorised(request):
            return _problem(401, "missing or invalid bearer token")
        if len(parts) < 2 or parts[1] not in SUPPORTED_TYPES:
            return _problem(404, f"resource type not supported: {parts[1] if len(parts) > 1 else ''}")
        if len(parts) == 3:
            return self.read(parts[1], parts[2])
        try:
            return 200, self.search(request, parts[1])
        except SearchError as e:
            return _problem(400, str(e))

    def _authorised(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), self.token)

    def read(self, resource_type: str, resource_id: str) -> tuple[int, dict[str, Any]]:
        resource = self.store.get(resource_type, resource_id)
        if resource is None:
            return _problem(404, f"{resource_type}/{resource_id} not found")
        return 200, resource

    def search(self, request: Request, resource_type: str) -> dict[str, Any]:
        search = parse_search(resource_type, request.args, self.chi_systems)
        if search.patient_identifier is not None:
            self._resolve_patient_identifier(search, search.patient_identifier)
        self._apply_wrong_child(resource_type, search)
        clauses = list(search.clauses)
        if search.patient_id is not None:
            clauses.append(Clause("subject_id = ?", [search.patient_id]))
        page = self.store.search(resource_type, clauses, descending=search.descending,
                                 limit=search.count, offset=search.offset)
        next_offset: int | None = search.offset + search.count
        if self.faults.mode() == "page_forever":
            if not page.items and page.total and search.count:
                # Past the end: wrap round so the pages never run dry and never end.
                page = self.store.search(resource_type, clauses, descending=search.descending,
                                         limit=search.count, offset=search.offset % page.total)
        elif next_offset is not None and (search.count == 0 or next_offset >= page.total):
            next_offset = None
        return self._bundle(request, resource_type, search, page, next_offset)

    def _resolve_patient_identifier(self, search: ParsedSearch, identifier: Clause) -> None:
        """`patient:identifier=` becomes `patient=<id>`; no (or an ambiguous) match means no results."""
        found = self.store.search("Patient", [identifier], limit=2)
        if found.total != 1 or (search.patient_id not in (None, found.ids[0])):
            search.clauses.append(Clause("0"))
            return
        search.patient_id = found.ids[0]

    def _apply_wrong_child(self, resource_type: str, search: ParsedSearch) -> None:
        """Under `wrong_child`, silently answer about a different patient."""
        fault = self.faults.current
        if fault is None or fault.mode != "wrong_child":
            return
        if search.patient_id is not None:
            search.patient_id = fault.subject_id or self.store.other_subject(resource_type, search.patient_id)
        elif resource_type == "Patient":
            found = self.store.search("Patient", search.clauses, limit=1)
            if found.items:
                other = fault.subject_id or self.store.other_subject("Patient", found.ids[0], key="id")
                search.clauses = [Clause("id = ?", [other])]

    def _bundle(
        self, request: Request, resource_type: str, search: ParsedSearch, page: Page, next_offset: int | None
    ) -> dict[str, Any]:
        base = _base_url(request)
        kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("_count", "_getpagesoffset")]

        def page_url(offset: int) -> str:
            query = urlencode([*kept, ("_count", str(search.count)), ("_getpagesoffset", str(offset))])
            return f"{base}/{resource_type}?{query}"

        links = [{"relation": "self", "url": page_url(search.offset)}]
        if next_offset is not None:
            links.append({"relation": "next", "url": page_url(next_offset)})
        if search.offset > 0:
            links.append({"relation": "previous", "url": page_url(max(search.offset - search.count, 0))})
        return {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": _now()},
            "type": "searchset",
            "total": page.total,
            "link": links,
            "entry": [
                {"fullUrl": f"{base}/{resource_type}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                for r in page.items
            ],
        }

    def capability_statement(self, request: Request) -> dict[str, Any]:
        """What this server supports, as FHIR R4 clients expect at /metadata."""
        resources = []
        for resource_type in SUPPORTED_TYPES:
            params = [*allowed_params(resource_type), "_count", "_sort"]
            resources.append({
                "type": resource_type,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [{"name": p, "type": _param_type(p)} for p in params],
            })
        return {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": _now()[:10],
            "kind": "instance",
            "software": {"name": "single-child-view health sandbox"},
            "implementation": {"description": "Sandbox NHS board FHIR server", "url": _base_url(request)},
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [{
                "mode": "server",
                "security": {"service": [{"text": "Static bearer token (SANDBOX_HEALTH_TOKEN)"}]},
                "resource": resources,
                "interaction": [{"code": "batch"}],  # reads only
            }],
        }


def _param_type(name: str) -> str:
    if name in ("date", "birthdate"):
        return "date"
    if name in ("patient", "subject", "actor"):
        return "reference"
    if name in ("family", "given"):
        return "string"
    if name == "_count":
        return "number"
    if name == "_sort":
        return "string"
    return "token"


def _now() -> str:
    return _utc_second(int(time.time()))


@functools.lru_cache(maxsize=1)
def _utc_second(second: int) -> str:
    # Formatted once a second: strftime showed in every search's profile.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
