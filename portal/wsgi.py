"""The production entry point for gunicorn (gunicorn.conf.py) and waitress (`--call portal.wsgi:create_app`).

A wrong setting or configuration file stops the server with the reason, one problem a line, and exit
status 1: never a stack trace, and under gunicorn once, in the master, before any worker is started
(a worker that failed to boot would otherwise print its traceback and gunicorn exit with its own code).
"""

from __future__ import annotations

from flask import Flask

from portal.startup import STARTUP_ERRORS, read_configuration, refusal


def create_app() -> Flask:
    """The portal, or SystemExit with the reason (tests call portal.create_app, which raises the error itself)."""
    from portal import create_app as build

    try:
        return build()
    except STARTUP_ERRORS as error:
        raise SystemExit(refusal(error)) from None


def check_configuration() -> None:
    """The settings and files create_app will read, checked without building an app (nothing to fork)."""
    from portal.config import Settings

    try:
        read_configuration(Settings())
    except STARTUP_ERRORS as error:
        raise SystemExit(refusal(error)) from None
