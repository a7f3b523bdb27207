"""What operators see: one JSON log line per request, Prometheus metrics at /metrics, the busy page.

The request line holds a request id, method, route rule (e.g. `/children/<token>/content`, never
the URL with its opaque reference or query), status and duration: no personal data. `/metrics`
answers only a configured bearer token (METRICS_TOKEN) or client address
(METRICS_ALLOWED_ADDRESSES), and 404 to everyone else; in production also block it at the proxy.
"""

from __future__ import annotations

import hmac
import logging
import re
import sys
import time
import uuid

from flask import Blueprint, Flask, Response, abort, current_app, g, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter

from portal.metrics import REQUEST_SECONDS, SessionsSeen, exposition

REQUEST_LOGGER = "portal.requests"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

bp = Blueprint("observability", __name__)


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    if not _metrics_allowed():
        abort(404)
    body, content_type = exposition()
    return Response(body, content_type=content_type)


def _metrics_allowed() -> bool:
    settings = current_app.config["SETTINGS"]
    given = request.headers.get("Authorization", "")
    if settings.METRICS_TOKEN and hmac.compare_digest(given.encode(), f"Bearer {settings.METRICS_TOKEN}".encode()):
        return True
    allowed = {address.strip() for address in settings.METRICS_ALLOWED_ADDRESSES.split(",") if address.strip()}
    return request.remote_addr in allowed


def request_log_handler() -> logging.Handler:
    """A stderr handler writing one JSON object per line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                                       rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    return handler


def _start_request() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    # A proxy's id is kept so lines can be joined up across systems; anything else gets a fresh one.
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def _count_session() -> None:
    if current_user.is_authenticated:
        key = f"{current_user.get_id()}:{session.get('signed_in_at', '')}"
        current_app.extensions["sessions_seen"].touch(key)


def _finish_request(response: Response) -> Response:
    started = g.get("request_started")
    duration_s = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.url_rule.rule if request.url_rule is not None else "(no route)"
    if request.endpoint != "static":
        REQUEST_SECONDS.labels(request.method, endpoint, str(response.status_code)).observe(duration_s)
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    logging.getLogger(REQUEST_LOGGER).info("request", extra={
        "request_id": request_id, "method": request.method, "endpoint": endpoint,
        "status": response.status_code, "duration_ms": round(duration_s * 1000, 1)})
    return response


_REQUEST_HANDLER = "portal-request-log"  # names the handler so a second app in one process adds no second


def init_observability(app: Flask) -> None:
    from portal.backpressure import init_backpressure

    logger = logging.getLogger(REQUEST_LOGGER)
    if not any(h.get_name() == _REQUEST_HANDLER for h in logger.handlers):
        handler = request_log_handler()
        handler.set_name(_REQUEST_HANDLER)
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    app.extensions["sessions_seen"] = SessionsSeen(idle_s=app.config["SESSION_IDLE_MINUTES"] * 60)
    app.before_request(_start_request)
    app.before_request(_count_session)
    app.after_request(_finish_request)
    app.register_blueprint(bp)
    init_backpressure(app)
