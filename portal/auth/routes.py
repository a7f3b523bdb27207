"""Sign in with a local account or the organisation's OIDC provider; sign out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from portal.auth import events
from portal.auth.oidc import oidc_enabled, oidc_finish, oidc_start
from portal.auth.sessions import end_session, start_session
from portal.auth.throttle import ThrottleUnavailable
from portal.data.users import authenticate
from portal.ratelimits import sign_in_throttle
from portal.rendering import render_page

bp = Blueprint("auth", __name__)

BAD_CREDENTIALS = "The username or password is not right"
PAUSED = "Too many sign-in attempts. Wait 15 minutes, then try again"
UNAVAILABLE = "Sign-in is not available just now. Try again in a few minutes"


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    errors: dict[str, str] = {}
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        if not username:
            errors["username"] = "Enter your username"
        if not password:
            errors["password"] = "Enter your password"  # noqa: S105 - a message, not a secret
        if not errors:
            try:
                return _check_password(username, password, errors)
            except ThrottleUnavailable:  # fail closed: no guessing while the shared counts are out of reach
                current_app.logger.error("sign-in throttle unavailable; refusing password sign-in")
                errors["username"] = UNAVAILABLE
                return render_page("auth/sign_in.html", errors=errors, username=username, sso=oidc_enabled(),
                                   status=503)
    status = 400 if errors else 200
    return render_page("auth/sign_in.html", errors=errors, username=username, sso=oidc_enabled(), status=status)


def _check_password(username: str, password: str, errors: dict[str, str]) -> ResponseReturnValue:
    """Sign in, or fill `errors` and answer the form again; the throttle is shared by every process."""
    throttle = sign_in_throttle()
    if throttle.is_paused(username, request.remote_addr):
        events.record_sign_in_failed(username, "password", paused=True)
        errors["username"] = PAUSED
    else:
        user = authenticate(username, password)
        if user is not None:
            throttle.succeeded(username)
            start_session(user)
            events.record_sign_in(user, "password")
            return redirect(url_for("main.home"))
        throttle.failed(username, request.remote_addr)
        events.record_sign_in_failed(username, "password")
        errors["username"] = BAD_CREDENTIALS
    return render_page("auth/sign_in.html", errors=errors, username=username, sso=oidc_enabled(), status=400)


@bp.post("/sign-out")
@login_required
def sign_out() -> ResponseReturnValue:
    events.record_sign_out(current_user._get_current_object())
    end_session()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.sign_in"))


@bp.get("/sign-in/sso")
def sso_start() -> ResponseReturnValue:
    if not oidc_enabled():
        return redirect(url_for("auth.sign_in"))
    return oidc_start(url_for("auth.sso_callback", _external=True))


@bp.get("/sign-in/sso/callback")
def sso_callback() -> ResponseReturnValue:
    user, problem = oidc_finish()
    if user is None:
        current_app.logger.info("single sign-on refused: %s", problem)
        flash(problem, "error")
        return redirect(url_for("auth.sign_in"))
    start_session(user)
    events.record_sign_in(user, "oidc")
    return redirect(url_for("main.home"))
