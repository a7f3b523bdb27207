"""Bounds on what a request may carry and on how fast anyone may be refused.

Every refusal is audited, so someone probing (forged child links, another user's links,
invalid searches) would otherwise write to the trail as fast as they can send requests.
Refused requests (400, 403, 404) count against a per-user budget on the shared limiter
(portal.extensions, storage from RATELIMIT_STORAGE_URI); past it the portal answers 429
before the view runs, so nothing more is written until the window passes. Any one query or form
value longer than MAX_VALUE_CHARS is refused before any view sees it.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Flask, current_app, request
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal.extensions import limiter
from portal.inputs import MAX_VALUE_CHARS

DEFAULT_REFUSAL_LIMIT = "30 per minute"
REFUSED_STATUSES = frozenset({400, 403, 404})
MAX_NAME_CHARS = 100  # a parameter's name


def _who() -> str:
    # Each app has its own key space: tests build many apps in one process.
    app_key = current_app.extensions.get("limits_key", "")
    if current_user and current_user.is_authenticated:
        return f"{app_key}:user:{current_user.get_id()}"
    return f"{app_key}:addr:{get_remote_address()}"


def _refusal_limit() -> str:
    return str(current_app.config.get("REFUSAL_RATE_LIMIT", DEFAULT_REFUSAL_LIMIT))


def _was_refused(response: Response) -> bool:
    return response.status_code in REFUSED_STATUSES


refusals = limiter.shared_limit(_refusal_limit, scope="refusals", key_func=_who, deduct_when=_was_refused,
                                error_message="Too many refused requests")


def limit_refusals(blueprint: Blueprint) -> None:
    """Count this blueprint's refused requests against the user's refusal budget."""
    refusals(blueprint)


def init_limits(app: Flask) -> None:
    """Call after the shared limiter is bound (portal.ratelimits.init_rate_limits)."""
    app.extensions["limits_key"] = uuid.uuid4().hex
    app.before_request(_refuse_overlong_values)


def _refuse_overlong_values() -> ResponseReturnValue | None:
    from portal.errors import error_page

    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if len(name) > MAX_NAME_CHARS or len(value) > MAX_VALUE_CHARS:
                return error_page(400, "Sorry, there is a problem with that request",
                                  f"Something you sent is too long: each value must be {MAX_VALUE_CHARS:,} "
                                  "characters or fewer. Go back and try again.")
    return None
