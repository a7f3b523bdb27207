"""Rate limits that hold across processes: flask-limiter over one shared storage (Redis in production).

`init_rate_limits` binds the limiter and the sign-in throttle to an app. To bound a
probing-style route, decorate its view with `probe_limit("SETTING_NAME")`, where the
setting holds a limits string such as "60 per minute"; it counts per signed-in user
(per address when signed out), refuses with a 429 page, and holds across workers.

flask-limiter looks at a request only if its view carries a limiter decorator: for every other
route its per-request work (resolving limits, exemption scopes) is skipped. Limits are therefore
put on views, never on blueprints or as app-wide defaults (a test holds the app to this); the
refusal budget of whole blueprints is `portal.limits`'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, make_response, request
from flask.typing import ResponseReturnValue
from flask_limiter import RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from limits.errors import StorageError

from portal.auth.throttle import SignInThrottle
from portal.config import Settings
from portal.extensions import limiter
from portal.rendering import render_page

STORAGE_TIMEOUT_S = 2  # an unreachable Redis fails a request quickly (closed), never hangs it


def init_rate_limits(app: Flask, settings: Settings) -> None:
    options: dict[str, Any] = {"wrap_exceptions": True}
    if settings.RATELIMIT_STORAGE_URI.startswith(("redis://", "rediss://", "redis+")):
        options.update(socket_connect_timeout=STORAGE_TIMEOUT_S, socket_timeout=STORAGE_TIMEOUT_S)
    app.config.update(
        RATELIMIT_STORAGE_URI=settings.RATELIMIT_STORAGE_URI,
        RATELIMIT_STORAGE_OPTIONS=options,
        RATELIMIT_KEY_PREFIX=settings.RATELIMIT_KEY_PREFIX,
        RATELIMIT_STRATEGY="moving-window",
        SEARCH_RATE_LIMIT=settings.SEARCH_RATE_LIMIT,
    )
    limiter.init_app(app)
    # This app's own strategy object: a later app in the same process (tests) gets its own.
    app.extensions["sign_in_throttle"] = SignInThrottle(
        limiter.limiter, secret=app.config["SECRET_KEY"], prefix=settings.RATELIMIT_KEY_PREFIX)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    app.register_error_handler(StorageError, _limits_unavailable)


def sign_in_throttle() -> SignInThrottle:
    throttle: SignInThrottle = current_app.extensions["sign_in_throttle"]
    return throttle


def per_user() -> str:
    """Count a signed-in user's requests wherever they land; anyone else's by address."""
    if current_user.is_authenticated:
        return f"user-{current_user.get_id()}"
    return f"addr-{request.remote_addr or 'unknown'}"


def probe_limit(setting: str, on_breach: Callable[[RequestLimit], None] | None = None,
                ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator limiting a view by the limits string held in app config `setting`.

    `on_breach` is called (inside the request) each time the limit refuses, e.g. to audit the refusal.
    """
    return limiter.limit(lambda: current_app.config[setting], key_func=per_user, on_breach=on_breach)


# flask-limiter marks each view it decorates with this attribute; functools.wraps carries it to outer decorators.
_LIMITER_MARK = "__wrapper-limiter-instance"


def _no_limit_on_view() -> bool:
    """flask-limiter's request filter: True (nothing for it to do) unless the view has a limiter decorator."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, _LIMITER_MARK, None) is None


limiter.request_filter(_no_limit_on_view)  # once per process: the limiter is shared by every app


def _too_many_requests(error: RateLimitExceeded) -> ResponseReturnValue:
    return too_many_requests_page()


def too_many_requests_page() -> ResponseReturnValue:
    """The 429 page, with the minute to wait."""
    response = make_response(render_page("errors/error.html", status=429, title="You have made too many requests",
                                         body="Wait a minute, then try again."))
    response.headers["Retry-After"] = "60"
    return response


def _limits_unavailable(error: StorageError) -> ResponseReturnValue:
    current_app.logger.error("rate-limit storage unavailable: %s", type(error.storage_error).__name__)
    return render_page("errors/error.html", status=503, title="Sorry, the service is unavailable",
                       body="The portal cannot check its limits right now. Try again in a few minutes.")
