"""Permission decorators: views say who may use them, and the default is no one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user, login_required

P = ParamSpec("P")
R = TypeVar("R")


def roles_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Signed in, and holding one of `roles`; anyone else gets 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if current_user.role not in roles:
                from portal.auth.events import record_refused_route

                record_refused_route(current_user, view.__name__)
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


PRACTITIONER_ROLES = ("practitioner", "lead_professional")
