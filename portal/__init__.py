"""The single-child view portal: `create_app` wires settings, extensions and blueprints."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from portal.config import PROJECT_ROOT, Settings, resolve_secret


def create_app(settings: Settings | None = None) -> Flask:
    """Build the portal. Tests pass their own `settings`; everyone else reads the environment."""
    settings = settings or Settings()
    app = Flask(
        __name__,
        instance_path=str(settings.INSTANCE_PATH),
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    _configure(app, settings)
    if settings.PROXY_HOPS:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask's documented way to add WSGI middleware; mypy sees replacing a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.PROXY_HOPS, x_proto=settings.PROXY_HOPS)
    _load_configuration(app, settings)
    _init_templates(app)
    _init_extensions(app)
    from portal.inputs import RowId

    app.url_map.converters["int"] = RowId  # before any route is added: every <int:…> is bounded
    _register_blueprints(app)

    from portal.cli import register_cli
    from portal.errors import init_errors
    from portal.limits import init_limits
    from portal.navigation import init_navigation
    from portal.observability import init_observability
    from portal.security import init_security

    init_security(app)
    init_limits(app)
    init_errors(app)
    init_observability(app)
    init_navigation(app)
    register_cli(app)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    secure_cookies = settings.PORTAL_ENV == "production"
    app.config.update(
        SETTINGS=settings,
        PORTAL_ENV=settings.PORTAL_ENV,
        DATABASE_URL=settings.DATABASE_URL,
        AUDIT_DATABASE_URL=settings.audit_database_url,
        SECRET_KEY=resolve_secret(settings, settings.SECRET_KEY, "secret_key"),
        AUDIT_HMAC_KEY=resolve_secret(settings, settings.AUDIT_HMAC_KEY, "audit_hmac_key"),
        SESSION_IDLE_MINUTES=settings.SESSION_IDLE_MINUTES,
        SESSION_MAX_HOURS=settings.SESSION_MAX_HOURS,
        SESSION_WARNING_SECONDS=settings.SESSION_WARNING_SECONDS,
        # The store and cookie keep an idle session twice the idle limit, so the server (not the store's expiry)
        # ends it: the user is told why and the trail records it. The idle limit itself is enforced per request.
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.SESSION_IDLE_MINUTES * 2),
        SESSION_COOKIE_NAME="portal_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_DURATION=timedelta(seconds=0),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (idle-limited) session
        WTF_CSRF_HEADERS=["X-CSRFToken"],
        OIDC_ISSUER=settings.OIDC_ISSUER,
        OIDC_CLIENT_ID=settings.OIDC_CLIENT_ID,
        OIDC_CLIENT_SECRET=settings.OIDC_CLIENT_SECRET,
        OIDC_NAME=settings.OIDC_NAME,
        FEDERATION_DEADLINE_S=settings.FEDERATION_DEADLINE_S,
        REFUSAL_RATE_LIMIT=settings.REFUSAL_RATE_LIMIT,
        DB_POOL=(settings.DB_POOL_SIZE, settings.DB_POOL_OVERFLOW, settings.DB_POOL_TIMEOUT_S),
        MAX_CONTENT_LENGTH=1024 * 1024,
        TRANSPARENCY_PUBLIC=settings.TRANSPARENCY_PUBLIC,
    )


def _load_configuration(app: Flask, settings: Settings) -> None:
    """The connectors file and the sharing agreements are validated at start: a bad file stops the portal, naming
    file and table/key or line (a clause for an agency with no connectors table included).

    Connectors are built (credentials read from the environment) on first use: the demo sets the
    sandbox's credentials after start-up, and a missing credential shows on /readyz, not as a crash.
    """
    from portal.agencies import install
    from portal.startup import read_configuration

    configuration = read_configuration(settings)
    app.extensions["connectors_config"] = configuration.connectors
    install(app, configuration.agencies)
    for warning in configuration.agreements.warnings:
        app.logger.warning("agreements: %s", warning)
    app.extensions["agreements"] = configuration.agreements


def _init_templates(app: Flask) -> None:
    # govuk-frontend-jinja's macros are imported as "govuk_frontend_jinja/components/…".
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.undefined = ChainableUndefined
    app.jinja_env.globals["demo_mode"] = app.config["PORTAL_ENV"] == "demo"


def _init_extensions(app: Flask) -> None:
    from portal.auth.oidc import init_oidc
    from portal.auth.sessions import init_sessions
    from portal.auth.sso_sessions import init_sso_sessions
    from portal.extensions import audit_db, csrf, db, htmx, login_manager
    from portal.notifications.badge import load_request_user

    db.init_app(app)
    audit_db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to use the portal."
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_request_user)  # the user and the header's unread count: one statement
    init_oidc(app)
    init_sessions(app)
    from portal.ratelimits import init_rate_limits

    init_rate_limits(app, app.config["SETTINGS"])
    init_sso_sessions(app)


def _register_blueprints(app: Flask) -> None:
    import portal.admin.accounts  # noqa: F401  (adds the accounts views to the admin blueprint)
    from portal.admin.identities import bp as identities_bp
    from portal.admin.routes import bp as admin_bp
    from portal.auth.routes import bp as auth_bp
    from portal.children.routes import bp as children_bp
    from portal.ig.routes import bp as ig_bp
    from portal.main.health import bp as health_bp
    from portal.main.routes import bp as main_bp
    from portal.meetings.routes import bp as meetings_bp
    from portal.notifications.routes import bp as notifications_bp
    from portal.transparency.routes import bp as transparency_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(children_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(ig_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(identities_bp)
    app.register_blueprint(transparency_bp)
