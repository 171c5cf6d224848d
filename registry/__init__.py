"""Registry: seminar-trainings and verifiable certificates for standards agencies."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, request
from flask_login import current_user

from registry import config as config_module
from registry.extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI commands and error pages."""
    instance_path = instance_path or os.environ.get(
        "REGISTRY_INSTANCE_PATH", str(PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    from registry.text import clean_request_class

    app.request_class = clean_request_class()
    app.config.from_mapping(config_module.default_config(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(config_module.from_environment())
    if config:
        app.config.from_mapping(config)
    config_module.finalise(app.config, app.instance_path)
    # After the configuration is complete: REGISTRY_PROXIES may come from any of its sources.
    _trust_proxies(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    from registry.web import RecordIdConverter

    # Before any route is added: every <int:...> of a route is a record id (web.py).
    app.url_map.converters["int"] = RecordIdConverter
    _register_blueprints(app)
    _register_request_hooks(app)

    from registry.errors import register_error_handlers

    register_error_handlers(app)

    from registry.cli import register_cli

    register_cli(app)

    from registry.templating import register_template_helpers

    register_template_helpers(app)
    return app


def _init_extensions(app: Flask) -> None:
    import registry.models  # noqa: F401  (complete metadata before anything uses it)
    from registry.database import configure_sqlite
    from registry.i18n import select_locale

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)

    from registry.auth.views import load_user

    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to see this page.")


def _trust_proxies(app: Flask) -> None:
    """Behind nginx (``REGISTRY_PROXIES=1``): take the client's address, scheme and host from
    the proxy's X-Forwarded-* headers - rate limits count real clients, links say https."""
    proxies = int(app.config.get("REGISTRY_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def _register_blueprints(app: Flask) -> None:
    from registry.audit.views import bp as audit_bp
    from registry.auth.views import bp as auth_bp
    from registry.auth.views import users_bp
    from registry.catalog.views import bp as catalog_bp
    from registry.certificates.public import bp as public_bp
    from registry.certificates.views import bp as certificates_bp
    from registry.people.views import bp as people_bp
    from registry.reports.views import bp as reports_bp
    from registry.reviews.views import bp as reviews_bp
    from registry.reviews.views import public_bp as cases_bp
    from registry.seminars.views import bp as seminars_bp

    from registry.health import bp as health_bp

    for blueprint in (auth_bp, users_bp, catalog_bp, audit_bp, reports_bp, seminars_bp,
                      people_bp, certificates_bp, reviews_bp, cases_bp, public_bp, health_bp):
        app.register_blueprint(blueprint)


# Endpoints anyone may open without signing in (the public verification path adds its own).
PUBLIC_ENDPOINTS = {"static", "auth.login", "i18n.set_language", "health.healthz"}


def _register_request_hooks(app: Flask) -> None:
    from registry.database import reset_write_intent, set_write_intent
    from registry.i18n import bp as i18n_bp

    app.register_blueprint(i18n_bp)

    @app.before_request
    def _language_from_the_address():
        from registry.i18n import remember_lang_parameter

        remember_lang_parameter()

    @app.before_request
    def _forget_cached_user():
        # Flask-Login caches the user on ``g``, which lives in the app context; a request that
        # reuses an outer app context (the test client does) must still load its own user.
        g.pop("_login_user", None)
        g.pop("_registry_user_session_id", None)
        g.pop("_registry_touch_session", None)
        g.pop("_flask_babel", None)  # the locale flask-babel chose: this request chooses its own

    @app.before_request
    def _mark_write_intent():
        # A request that can change data begins its transaction as a writer (see database.py).
        g._write_intent_token = set_write_intent(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _clear_write_intent(exc):
        token = g.pop("_write_intent_token", None)
        if token is not None:
            reset_write_intent(token)
        # A read after the view's commit (the signed-in user, in the response hooks) opens a
        # new transaction - on SQLite a writer's lock. End it with the request, so a
        # background job is never kept waiting (the app context may outlive the request).
        from registry.extensions import db

        session = db.session()
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            session.rollback()
        if not session.in_transaction():
            _note_session_use()

    def _note_session_use():
        from sqlalchemy.exc import OperationalError

        from registry.auth.sessions import touch_later

        try:
            touch_later()
        except OperationalError:  # a busy database: the next request notes it instead
            app.logger.warning("could not note a session's last use", exc_info=True)

    @app.before_request
    def _require_login():
        endpoint = request.endpoint or ""
        if endpoint in PUBLIC_ENDPOINTS or endpoint.startswith(("public.", "cases.")):
            return None
        if request.endpoint is None:
            return None  # unknown URL: let the 404 page answer
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("REGISTRY_ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        if current_user.is_authenticated:
            # Staff pages hold personal data: never keep them in a shared cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
