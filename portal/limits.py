"""Bounds on what a request may carry and on how fast anyone may be refused.

Every refusal is audited, so someone probing (forged child links, another user's links,
invalid searches) would otherwise write to the trail as fast as they can send requests.
Refused requests (400, 403, 404) count against a per-user budget in the shared limiter's storage
(portal.extensions, storage from RATELIMIT_STORAGE_URI: Redis across processes in production);
past it the portal answers 429 before the view runs, so nothing more is written until the window
passes. The budget is checked and counted here, straight on the limiter's moving-window strategy
(one storage call per request of a limited blueprint, one more per refusal): flask-limiter's own
per-request machinery is kept for the routes that carry a decorated limit (portal.ratelimits). Any one query or form
value longer than MAX_VALUE_CHARS is refused before any view sees it.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import RateLimitItem, parse
from limits.strategies import RateLimiter

from portal.extensions import limiter
from portal.inputs import MAX_VALUE_CHARS
from portal.ratelimits import too_many_requests_page

DEFAULT_REFUSAL_LIMIT = "30 per minute"
REFUSED_STATUSES = frozenset({400, 403, 404})
MAX_NAME_CHARS = 100  # a parameter's name
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _who() -> str:
    # Keyed by user (or address) only, under the deployment's RATELIMIT_KEY_PREFIX: every worker process of the
    # deployment counts into the same budget (tests give each app a storage, or a prefix, of its own).
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"addr:{get_remote_address()}"


def _refusal_limit() -> str:
    return str(current_app.config.get("REFUSAL_RATE_LIMIT", DEFAULT_REFUSAL_LIMIT))


@lru_cache(maxsize=16)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


def limit_refusals(blueprint: Blueprint) -> None:
    """Count this blueprint's refused requests against the user's refusal budget."""
    blueprint.record_once(lambda state: state.app.extensions.setdefault("refusal_blueprints", set()).add(
        blueprint.name))


def _refusal_key() -> tuple[RateLimitItem, list[str]] | None:
    """The budget and its storage key, if this request is on a blueprint whose refusals are limited."""
    limited = current_app.extensions.get("refusal_blueprints")
    if not limited or not any(name in limited for name in request.blueprints):
        return None
    return _parsed(_refusal_limit()), [current_app.config["RATELIMIT_KEY_PREFIX"], _who(), "refusals"]


def _check_refusal_budget() -> ResponseReturnValue | None:
    budget = _refusal_key()
    if budget is None:
        return None
    g.refusal_budget = budget
    item, key = budget
    if _strategy().test(item, *key):
        return None
    return too_many_requests_page()


def _count_refusal(response: Response) -> Response:
    budget = g.get("refusal_budget")
    if budget is not None and response.status_code in REFUSED_STATUSES:
        _strategy().hit(budget[0], *budget[1])
    return response


def _strategy() -> RateLimiter:
    strategy: RateLimiter = current_app.extensions["refusal_strategy"]
    return strategy


def init_limits(app: Flask) -> None:
    """Call after the shared limiter is bound (portal.ratelimits.init_rate_limits)."""
    # This app's moving window over its storage: a later app in the same process (tests) binds its own.
    app.extensions["refusal_strategy"] = limiter.limiter
    app.before_request(_check_refusal_budget)  # before the long-values check: its 400s are refusals too
    app.before_request(_refuse_overlong_values)
    app.after_request(_count_refusal)


def _refuse_overlong_values() -> ResponseReturnValue | None:
    from portal.errors import error_page

    # Werkzeug parses a form only from these two types (any other body leaves request.form empty): other requests
    # (every GET) skip setting up the parse.
    sent = [request.args, request.form] if request.mimetype in _FORM_TYPES else [request.args]
    for values in sent:
        for name, value in values.items(multi=True):
            if len(name) > MAX_NAME_CHARS or len(value) > MAX_VALUE_CHARS:
                return error_page(400, "Sorry, there is a problem with that request",
                                  f"Something you sent is too long: each value must be {MAX_VALUE_CHARS:,} "
                                  "characters or fewer. Go back and try again.")
    return None
