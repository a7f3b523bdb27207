"""A person-centred REST/JSON API over a document store: the shape shared by education, police and SCRA.

`GET <prefix>/<people>?chi=…` (or demographics) finds people; `GET <prefix>/<people>/<id>/<collection>`
lists one person's records. Lists page with `page_size`/`offset` and an absolute `next` URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

import orjson
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from sandbox.servers.docstore import Clause, DocumentStore, Page, json_field
from sandbox.servers.faults import FaultState

log = logging.getLogger("sandbox.rest")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
PAGING_PARAMS = ("page_size", "offset")
# Per-person lists take these too, as real case systems do: order by the item's date, bound it, keep significant.
LIST_PARAMS = ("sort", "order", "since", "until", "significant")
# `<base>/<id>/lists?list=a&list=b&…`: the same window of several of one person's lists in one answer.
TOGETHER, TOGETHER_PARAM = "lists", "list"
RESTRICTED_NOTICE = "Some records held about this person are restricted and have not been shared."

# Returns an error response when the request is not authorised, None when it is.
Authoriser = Callable[[Request], Response | None]


@dataclass(frozen=True)
class PersonApiSpec:
    """What makes one agency's API its own: paths, field names and search parameters."""

    prefix: str  # e.g. "/api/v1"
    person_collection: str  # store collection and URL segment, e.g. "pupils"
    list_key: str  # key of the person list in the search response
    id_field: str  # the person's id field, also stamped on every per-person item
    exact_params: dict[str, str]  # query param -> JSON path, matched exactly (identifiers)
    name_params: dict[str, str]  # matched case-insensitively
    sub_collections: tuple[str, ...]
    postcode_param: str | None = None
    # Per-period count lists (weekly attendance): collection -> (numerator, denominator) JSON paths. These lists
    # take `below_percent` and have a `<collection>/summary` of the sums, as a school MIS reports attendance.
    percentages: dict[str, tuple[str, str]] = field(default_factory=dict)


class BadRequest(Exception):
    """A request parameter the API cannot accept; the message says which."""


def error_json(status: int, error: str, detail: str | None = None) -> Response:
    body: dict[str, Any] = {"error": error}
    if detail:
        body["detail"] = detail
    return Response(json.dumps(body), status=status, content_type="application/json")


def render_json_error(status: int, message: str) -> tuple[bytes, str]:
    """Error body for the fault middleware in this API's dialect."""
    return json.dumps({"error": "server_error", "detail": message}).encode(), "application/json"


class PersonApi:
    """WSGI app serving one PersonApiSpec from a DocumentStore."""

    def __init__(self, spec: PersonApiSpec, store: DocumentStore, faults: FaultState, authorise: Authoriser):
        self.spec, self.store, self.faults, self.authorise = spec, store, faults, authorise
        self.base = f"{spec.prefix}/{spec.person_collection}"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            response = self.dispatch(Request(environ))
        except Exception as e:  # an unexpected failure still answers in JSON, without leaking details
            log.error("%s request failed: %s", self.spec.person_collection, type(e).__name__)
            response = error_json(500, "server_error")
        return response(environ, start_response)

    def route(self, path: str) -> tuple[str, dict[str, str]] | None:
        """The endpoint and its arguments for `<base>` or `<base>/<person_id>/<collection>` (two routes:
        a router cost more per request than the query behind it)."""
        if path == self.base:
            return "search_people", {}
        rest = path.removeprefix(self.base + "/")
        parts = rest.split("/")
        if rest != path and len(parts) == 2 and parts[1] == TOGETHER and parts[0]:
            return "list_together", {"person_id": parts[0]}
        if rest != path and len(parts) == 2 and all(parts):
            return "list_collection", {"person_id": parts[0], "collection": parts[1]}
        if rest != path and len(parts) == 3 and all(parts) and parts[2] == "summary":
            return "summarise_collection", {"person_id": parts[0], "collection": parts[1]}
        return None

    def dispatch(self, request: Request) -> Response:
        found = self.route(request.path)
        if found is None:
            return error_json(404, "not_found")
        if request.method not in ("GET", "HEAD"):
            return error_json(405, "bad_request")
        endpoint, args = found
        denied = self.authorise(request)
        if denied is not None:
            return denied
        try:
            return getattr(self, endpoint)(request, **args)
        except BadRequest as e:
            return error_json(400, "bad_request", str(e))

    def search_people(self, request: Request) -> Response:
        spec = self.spec
        known = {*spec.exact_params, *spec.name_params, *PAGING_PARAMS}
        if spec.postcode_param:
            known.add(spec.postcode_param)
        _reject_unknown(request, known)
        # Keys let the store read only the people holding the value (it cannot index inside the JSON).
        clauses = [Clause(f"{json_field(path)} = ?", [request.args[p]], keys=(request.args[p],))
                   for p, path in spec.exact_params.items() if request.args.get(p)]
        clauses += [Clause(f"lower({json_field(path)}) = lower(?)", [request.args[p].strip()],
                           keys=(request.args[p].strip(),))
                    for p, path in spec.name_params.items() if request.args.get(p)]
        if not clauses:
            raise BadRequest(f"give one of: {', '.join([*spec.exact_params, *spec.name_params])}")
        if spec.postcode_param and request.args.get(spec.postcode_param):
            clauses.append(Clause("replace(upper(json_extract(json, '$.postcode')), ' ', '') = ?",
                                  [request.args[spec.postcode_param].replace(" ", "").upper()]))
        size, offset = _paging(request.args)
        page = self.store.search(spec.person_collection, clauses, limit=size, offset=offset)
        fault = self.faults.current
        if fault and fault.mode == "wrong_child" and page.items:
            page = self._someone_else(spec.person_collection, page, fault.subject_id, size, offset)
        page, next_offset = self._page_forever(spec.person_collection, clauses, page, size, offset)
        return _json({spec.list_key: page.items, "next": _next_url(request.args, request.base_url, size,
                                                                    next_offset)})

    def list_collection(self, request: Request, person_id: str, collection: str) -> Response:
        spec = self.spec
        if collection not in spec.sub_collections:
            return error_json(404, "not_found")
        percentage = spec.percentages.get(collection)
        _reject_unknown(request, {*PAGING_PARAMS, *LIST_PARAMS, *(("below_percent",) if percentage else ())})
        if self.store.get(spec.person_collection, person_id) is None:
            return error_json(404, "not_found", f"no such {spec.id_field}")
        return _json(self._list_body(request.args, f"{request.base_url}", person_id, collection))

    def list_together(self, request: Request, person_id: str) -> Response:
        """The same window of several lists (`list=` repeated), each answered as its own request would be."""
        spec = self.spec
        names = request.args.getlist(TOGETHER_PARAM)
        _reject_unknown(request, {*PAGING_PARAMS, *LIST_PARAMS, TOGETHER_PARAM})
        if not names or any(name not in spec.sub_collections or name in spec.percentages for name in names):
            raise BadRequest(f"give each list as {TOGETHER_PARAM}= (one of: {', '.join(spec.sub_collections)})")
        if self.store.get(spec.person_collection, person_id) is None:
            return error_json(404, "not_found", f"no such {spec.id_field}")
        args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k != TOGETHER_PARAM])
        base = f"{request.host_url.rstrip('/')}{self.base}/{person_id}"
        return _json({"lists": {name: self._list_body(args, f"{base}/{name}", person_id, name)
                                for name in dict.fromkeys(names)}})

    def _list_body(self, args: MultiDict[str, str], url: str, person_id: str, collection: str) -> dict[str, Any]:
        """One page of one person's list, with the link to the next page (`url` is the list's own address)."""
        spec = self.spec
        percentage = spec.percentages.get(collection)
        descending, list_clauses = _list_options(args)
        if percentage is not None and "below_percent" in args:
            list_clauses.append(_below_clause(args["below_percent"], *percentage))
        subject = person_id
        fault = self.faults.current
        if fault and fault.mode == "wrong_child":
            subject = fault.subject_id or self.store.other_subject(collection, person_id) or person_id
        size, offset = _paging(args)
        clauses = [Clause("subject_id = ?", [subject]), *list_clauses]
        page = self.store.search(collection, clauses, descending=descending, limit=size, offset=offset)
        page, next_offset = self._page_forever(collection, clauses, page, size, offset)
        for item, owner in zip(page.items, page.subject_ids, strict=True):
            item.setdefault(spec.id_field, owner)
        body: dict[str, Any] = {"items": page.items, "total": page.total,
                                "next": _next_url(args, url, size, next_offset)}
        if self.store.sealed_count(collection, person_id):
            body["restricted_notice"] = RESTRICTED_NOTICE
        return body

    def summarise_collection(self, request: Request, person_id: str, collection: str) -> Response:
        """Sums over a per-period list (periods with nothing possible left out) and its most restrictive label."""
        spec = self.spec
        percentage = spec.percentages.get(collection)
        if percentage is None:
            return error_json(404, "not_found")
        _reject_unknown(request, set())
        if self.store.get(spec.person_collection, person_id) is None:
            return error_json(404, "not_found", f"no such {spec.id_field}")
        numerator, denominator = percentage
        done, possible, periods, labels = self.store.summed(collection, [Clause("subject_id = ?", [person_id])],
                                                            numerator, denominator)
        body: dict[str, Any] = {numerator.removeprefix("$."): done, denominator.removeprefix("$."): possible,
                                "periods": periods, "security_label": _most_restrictive(labels)}
        if self.store.sealed_count(collection, person_id):
            body["restricted_notice"] = RESTRICTED_NOTICE
        return _json(body)

    def _someone_else(self, collection: str, page: Page, forced: str | None, size: int, offset: int) -> Page:
        other = forced or self.store.other_subject(collection, page.ids[0], key="id")
        return self.store.search(collection, [Clause("id = ?", [other])], limit=size, offset=offset)

    def _page_forever(
        self, collection: str, clauses: list[Clause], page: Page, size: int, offset: int
    ) -> tuple[Page, int | None]:
        """Offset of the next page, or None on the last; under `page_forever` there is always one."""
        if self.faults.mode() != "page_forever":
            return page, (offset + size if offset + size < page.total else None)
        if not page.items and page.total:
            # Past the end: wrap round so every page has data and the client never sees an end.
            page = self.store.search(collection, clauses, limit=size, offset=offset % page.total)
        return page, offset + size


def _reject_unknown(request: Request, known: set[str]) -> None:
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(unknown)}")


def _list_options(args: MultiDict[str, str]) -> tuple[bool, list[Clause]]:
    """`sort=date` with `order=asc|desc`, `since`/`until` (ISO days, inclusive) and `significant=true|false`."""
    if args.get("sort", "date") != "date":
        raise BadRequest("sort must be date")
    order = args.get("order", "asc")
    if order not in ("asc", "desc"):
        raise BadRequest("order must be asc or desc")
    clauses: list[Clause] = []
    for name, sql in (("since", "substr(sort_date, 1, 10) >= ?"), ("until", "substr(sort_date, 1, 10) <= ?")):
        if name in args:
            try:
                clauses.append(Clause(sql, [date.fromisoformat(args[name]).isoformat()]))
            except ValueError as e:
                raise BadRequest(f"{name} must be a date like 2024-03-01") from e
    if "significant" in args:
        if args["significant"] not in ("true", "false"):
            raise BadRequest("significant must be true or false")
        # An item without the flag is significant, as the portal reads it.
        clauses.append(Clause("coalesce(json_extract(json, '$.significant'), 1) = ?",
                              [1 if args["significant"] == "true" else 0]))
    return order == "desc", clauses


def _below_clause(value: str, numerator: str, denominator: str) -> Clause:
    try:
        below = float(value)
    except ValueError as e:
        raise BadRequest("below_percent must be a number") from e
    # 100 * done / possible < below, without dividing; a period with nothing possible is never below.
    return Clause(f"{json_field(denominator)} > 0 AND 100.0 * {json_field(numerator)} < ? * {json_field(denominator)}",
                  [below])


def _most_restrictive(labels: list[str | None]) -> str:
    """N, R or V; an unknown label counts as V, a missing one as N (as the portal reads them)."""
    rank = {"N": 0, "R": 1, "V": 2}
    found = [label or "N" for label in labels]
    return max(found, key=lambda label: rank.get(label, 2), default="N")


def _paging(args: MultiDict[str, str]) -> tuple[int, int]:
    try:
        size = int(args.get("page_size", DEFAULT_PAGE_SIZE))
        offset = int(args.get("offset", 0))
    except ValueError as e:
        raise BadRequest("page_size and offset must be whole numbers") from e
    if not 1 <= size <= MAX_PAGE_SIZE or offset < 0:
        raise BadRequest(f"page_size must be 1..{MAX_PAGE_SIZE} and offset not negative")
    return size, offset


def _next_url(args: MultiDict[str, str], url: str, size: int, next_offset: int | None) -> str | None:
    if next_offset is None:
        return None
    params = [(k, v) for k, v in args.items(multi=True) if k not in PAGING_PARAMS]
    params += [("page_size", str(size)), ("offset", str(next_offset))]
    return f"{url}?{urlencode(params)}"


def _json(payload: dict[str, Any]) -> Response:
    return Response(orjson.dumps(payload), content_type="application/json")
