"""Response headers that hold on every page: CSP, framing, caching, referrer."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def content_security_policy(sign_out_origins: list[str]) -> str:
    """The policy; signing out may redirect the sign-out form to the identity providers' origins (RP logout)."""
    if not sign_out_origins:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", "form-action 'self' " + " ".join(sign_out_origins))


def add_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy(
        current_app.extensions.get("sso_origins", []))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    # Production sits behind TLS: browsers must never come back over plain http. The demo and tests run on
    # http://127.0.0.1, where HSTS would only break other local services on that host.
    if current_app.config["PORTAL_ENV"] == "production":
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # Only versioned static assets may be cached; every page may carry personal data.
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def init_security(app: Flask) -> None:
    app.after_request(add_security_headers)
