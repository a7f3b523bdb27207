"""Sign in with a local account or the organisation's OIDC provider; sign out."""

from __future__ import annotations

import math
import time

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from portal.auth import events
from portal.auth.oidc import oidc_enabled, oidc_finish, oidc_start, providers
from portal.auth.sessions import end_session, start_session, to_sign_in
from portal.auth.sso_sessions import back_channel_logout, begin_sso_session, sign_out_of_provider
from portal.auth.throttle import ThrottleUnavailable
from portal.data.users import authenticate
from portal.extensions import csrf
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
                return render_page("auth/sign_in.html", errors=errors, username=username,
                                   providers=list(providers().values()), status=503)
    status = 400 if errors else 200
    return render_page("auth/sign_in.html", errors=errors, username=username, providers=list(providers().values()),
                       status=status)


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
    return render_page("auth/sign_in.html", errors=errors, username=username, providers=list(providers().values()),
                       status=400)


@bp.post("/sign-out")
@login_required
def sign_out() -> ResponseReturnValue:
    events.record_sign_out(current_user._get_current_object())
    provider_logout = sign_out_of_provider(url_for("auth.sign_in", _external=True))
    end_session()
    flash("You have signed out.", "info")
    return redirect(provider_logout or url_for("auth.sign_in"))


@bp.get("/sign-in/sso", defaults={"key": None})
@bp.get("/sign-in/sso/<key>")
def sso_start(key: str | None) -> ResponseReturnValue:
    configured = providers()
    key = key or next(iter(configured), None)
    if key not in configured:
        if not configured:
            return redirect(url_for("auth.sign_in"))
        abort(404)
    return oidc_start(key, url_for("auth.sso_callback", _external=True))


@bp.get("/sign-in/sso/callback")
def sso_callback() -> ResponseReturnValue:
    if not oidc_enabled():
        flash("Single sign-on is not set up on this portal. Sign in with your username.", "info")
        return redirect(url_for("auth.sign_in"))
    result = oidc_finish()
    if result.user is None:
        flash(result.problem, "error")
        return redirect(url_for("auth.sign_in"))
    start_session(result.user)
    begin_sso_session(result)
    events.record_sign_in(result.user, "oidc")
    return redirect(url_for("main.home"))


@bp.post("/sign-in/sso/back-channel-logout")
@csrf.exempt  # the provider posts here server to server; the signed logout token is the proof
def sso_back_channel_logout() -> ResponseReturnValue:
    if not oidc_enabled():
        abort(404)
    problem = back_channel_logout(request.form.get("logout_token", ""))
    if problem:
        current_app.logger.info("back-channel logout refused: %s", problem)
        return jsonify(error="invalid_request"), 400
    return "", 200


@bp.get("/session")
def session_status() -> ResponseReturnValue:
    """Seconds left before the idle timeout, for the warning (asking is not activity, so it does not extend it)."""
    if not current_user.is_authenticated:
        return jsonify(signed_in=False, idle_seconds_left=0), 401
    idle_s = current_app.config["SESSION_IDLE_MINUTES"] * 60
    # Rounded up: 0 only once the server really considers the session idle.
    left = max(0, math.ceil(float(session.get("last_seen", 0)) + idle_s - time.time()))
    return jsonify(signed_in=True, idle_seconds_left=left)


@bp.post("/session/stay-signed-in")
def stay_signed_in() -> ResponseReturnValue:
    """"Stay signed in" on the timeout warning: the request itself refreshed last use (CSRF-checked)."""
    if not current_user.is_authenticated:
        return to_sign_in("You have been signed out. Sign in again to continue.")
    if request.headers.get("Accept", "").startswith("application/json"):
        return jsonify(signed_in=True, idle_seconds_left=int(current_app.config["SESSION_IDLE_MINUTES"] * 60))
    back = request.form.get("next", "")
    local = back.startswith("/") and not back.startswith("//") and "\\" not in back and len(back) <= 2000
    return redirect(back if local else url_for("main.home"))
