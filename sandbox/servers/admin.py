"""The admin channel of a sandbox system: faults, request log and a readiness probe.

Served on the system's admin port (always up, even while `refuse` closes the main port)
and also under `/_sandbox/` on the main port. Changing a fault needs the admin key.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from sandbox.servers.faults import FaultError, FaultSpec, FaultState, parse_fault_json
from sandbox.servers.requestlog import RequestLog

ApplyFault = Callable[[FaultSpec | None], None]


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


class AdminApp:
    """The `/_sandbox/*` WSGI app of one system. `apply` (default: set the state) puts a fault into effect."""

    def __init__(
        self,
        agency: str,
        faults: FaultState,
        request_log: RequestLog | None,
        admin_key: str,
        allowed_modes: tuple[str, ...],
        apply: ApplyFault | None = None,
    ) -> None:
        self.agency, self.faults, self.request_log = agency, faults, request_log
        self.admin_key, self.allowed_modes = admin_key, allowed_modes
        self.apply_fault: ApplyFault = apply or faults.set  # puts a fault into effect
        self.routes = {
            "/_sandbox/faults": (self.faults_endpoint, ("GET", "POST", "DELETE")),
            "/_sandbox/requests": (self.requests_endpoint, ("GET", "DELETE")),
            "/_sandbox/health": (self.health_endpoint, ("GET",)),
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        route = self.routes.get(request.path)
        if route is None:
            return json_response({"error": "not_found"}, 404)
        handler, methods = route
        if request.method not in methods:
            return json_response({"error": "method_not_allowed"}, 405)
        try:
            return handler(request)
        except HTTPException as e:
            return json_response({"error": e.name}, e.code or 500)

    def health_endpoint(self, _request: Request) -> Response:
        return json_response({"agency": self.agency, "status": "ok"})

    def faults_endpoint(self, request: Request) -> Response:
        if request.method == "GET":
            spec = self.faults.current
            return json_response(
                {"agency": self.agency, "fault": spec.to_json() if spec else None, "modes": self.allowed_modes}
            )
        if not hmac.compare_digest(request.headers.get("X-Sandbox-Admin", ""), self.admin_key):
            return json_response({"error": "unauthorised"}, 401)
        if request.method == "DELETE":
            return self._apply(None)
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return json_response({"error": "bad_request", "detail": "expected a JSON object"}, 400)
        try:
            spec = parse_fault_json(body, self.allowed_modes)
        except FaultError as e:
            return json_response({"error": "bad_request", "detail": str(e)}, 400)
        return self._apply(spec)

    def _apply(self, spec: FaultSpec | None) -> Response:
        try:
            self.apply_fault(spec)
        except Exception as e:  # the fault could not be put into effect (e.g. the database refused the DDL)
            return json_response({"error": "fault_not_applied", "detail": str(e)}, 500)
        return json_response({"agency": self.agency, "fault": spec.to_json() if spec else None})

    def requests_endpoint(self, request: Request) -> Response:
        if self.request_log is None:
            return json_response({"requests": []})
        if request.method == "DELETE":
            self.request_log.clear()
            return json_response({"requests": []})
        return json_response({"requests": self.request_log.entries()})


# The servers build the app by this name; the class's own arguments are the whole interface.
make_admin_app = AdminApp
