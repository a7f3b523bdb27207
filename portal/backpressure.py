"""When the worker is full: a clear 503 "busy" page with Retry-After, never a crash or an endless queue.

Two things can be full: the fan-out pool (`portal.record.pool.Saturated`, raised before any
agency is asked) and a database pool (SQLAlchemy's TimeoutError after DB_POOL_TIMEOUT_S).
Where a child was asked for, the refusal is audited; nothing about the child is shown. (A database
pool that is full before the signed-in user could be loaded cannot be tied to a child, since the
child's reference is bound to the user: that refusal is counted in the metrics only.)
"""

from __future__ import annotations

from flask import Flask, current_app, g
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from portal.extensions import login_manager
from portal.metrics import BUSY_REFUSALS
from portal.record.pool import Saturated
from portal.rendering import render_page

BUSY_TITLE = "The portal is busy"


def refuse_busy(cause: str, retry_after_s: int) -> str:
    """Count and (for one child) audit a busy refusal; the message to show."""
    BUSY_REFUSALS.labels(cause).inc()
    _audit_refusal(retry_after_s)
    return (f"Too many people are using the portal at this moment, so it has not asked the agencies for "
            f"this information. Try again in {retry_after_s} seconds.")


def busy_page(cause: str, retry_after_s: int) -> ResponseReturnValue:
    """The 503 page with Retry-After; audits a refusal when the request was for one child."""
    body = refuse_busy(cause, retry_after_s)
    response = current_app.make_response(render_page("errors/error.html", status=503, title=BUSY_TITLE, body=body))
    response.headers["Retry-After"] = str(retry_after_s)
    return response


def _audit_refusal(retry_after_s: int) -> None:
    reference = g.get("child_reference")
    if reference is None:
        return
    from portal.audit.writer import AuditUnavailable
    from portal.children.audit_events import record_busy

    try:
        record_busy(reference, g.get("child_decision"), retry_after_s)
    except AuditUnavailable:
        current_app.logger.error("audit trail unavailable; a busy refusal was not recorded")


def init_backpressure(app: Flask) -> None:
    @app.errorhandler(Saturated)
    def fanout_full(error: Saturated) -> ResponseReturnValue:
        return busy_page("fanout", error.retry_after_s)

    @app.errorhandler(PoolTimeoutError)
    def database_pool_full(error: PoolTimeoutError) -> ResponseReturnValue:
        if "_login_user" not in g:
            # Loading the signed-in user is what waited: render the page without asking the database again.
            g._login_user = login_manager.anonymous_user()
        return busy_page("database", app.config["SETTINGS"].BUSY_RETRY_AFTER_S)
