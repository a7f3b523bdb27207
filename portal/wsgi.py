"""The production entry point for gunicorn (gunicorn.conf.py) and waitress (`--call portal.wsgi:create_app`).

A wrong setting or configuration file stops the server with the reason, one problem a line, and exit
status 1: never a stack trace, and under gunicorn once, in the master, before any worker is started
(a worker that failed to boot would otherwise print its traceback and gunicorn exit with its own code).
"""

from __future__ import annotations

import sys

from flask import Flask

from portal.startup import STARTUP_ERRORS, read_configuration, refusal


def create_app(exit_status: int = 1) -> Flask:
    """The portal, or the reason on stderr and SystemExit (tests call portal.create_app, which raises the error).

    gunicorn's workers pass 3, its "worker failed to boot" status, so that should a worker still find a
    file wrong after the master's check (edited in between), gunicorn stops instead of starting it again.
    """
    from portal import create_app as build

    try:
        return build()
    except STARTUP_ERRORS as error:
        print(refusal(error), file=sys.stderr, flush=True)
        raise SystemExit(exit_status) from None


def check_configuration() -> None:
    """The settings and files create_app will read, checked without building an app (nothing to fork)."""
    from portal.config import Settings

    try:
        read_configuration(Settings())
    except STARTUP_ERRORS as error:
        print(refusal(error), file=sys.stderr, flush=True)
        raise SystemExit(1) from None
