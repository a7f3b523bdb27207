"""Error pages: a clear message in the portal's layout, never a stack trace."""

from __future__ import annotations

import traceback

from flask import Flask
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.audit.writer import AuditUnavailable
from portal.rendering import render_page

MESSAGES = {
    400: ("Sorry, there is a problem with that request",
          "The request could not be understood. If you were filling in a form, go back and try again."),
    403: ("You do not have permission to see this page", "Your role does not give you access to this page."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Sorry, there is a problem with that request", "That action is not allowed on this page."),
    413: ("Sorry, there is a problem with that request",
          "What you sent is too large. Go back and try again with less."),
    429: ("Too many refused requests",
          "You have been refused too often in a short time. Wait a minute, then try again."),
    503: ("Sorry, the service is unavailable",
          "The portal cannot record access right now, so it is not showing any records. Try again in a few minutes."),
}


def error_page(status: int, title: str | None = None, body: str | None = None) -> ResponseReturnValue:
    """The error page in the portal's layout, with the standard message for `status` unless given one."""
    return _page(status, title, body)


def _page(status: int, title: str | None = None, body: str | None = None) -> ResponseReturnValue:
    fallback = ("Sorry, there is a problem with the service", "Try again later.")
    default_title, default_body = MESSAGES.get(status, fallback)
    return render_page("errors/error.html", status=status, title=title or default_title, body=body or default_body)


def _where(error: Exception) -> str:
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    return " <- ".join(f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}" for frame in reversed(frames))


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return _page(
            400, "Your form expired", "For your security the form timed out. Go back, reload the page and try again."
        )

    @app.errorhandler(AuditUnavailable)
    def audit_unavailable(error: AuditUnavailable) -> ResponseReturnValue:
        # Fail closed: nothing about a child is sent when its view could not be recorded.
        app.logger.error("audit trail unavailable; refusing to show content")
        return _page(503)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        return _page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        # Type and code location only: exception messages can quote record content.
        app.logger.error("unhandled %s at %s", type(error).__name__, _where(error))
        return _page(500)
