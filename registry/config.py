"""Configuration: defaults → instance/config.py → environment → explicit test config.

The embedded default (SQLite in ``instance/``) needs no variable at all. In production
(``REGISTRY_ENV=production``) a missing ``SECRET_KEY`` stops the start with a clear message,
because a guessable key would let anyone forge a session cookie.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_KEYS = ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "REGISTRY_BASE_URL")


class ConfigurationError(RuntimeError):
    """Raised when the app cannot start safely with the configuration it was given."""


def default_config(instance_path: str) -> dict:
    db_file = Path(instance_path) / "registry.sqlite3"
    return {
        "REGISTRY_ENV": "development",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SECRET_KEY": None,
        "REDIS_URL": None,
        "REGISTRY_BASE_URL": "http://127.0.0.1:5000",
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "ru", "uz", "uz_Cyrl", "mn", "vi"],
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PAGE_SIZE": 25,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_VERIFY": "60 per minute",
        "RATELIMIT_CHECK": "10 per minute",
        # What certificates print as the issuer until an admin sets it on the settings page.
        "REGISTRY_ISSUER_NAME": "Registry",
        # A PEM Ed25519 private key; without it the key pair lives in instance/signing-keys/.
        "REGISTRY_SIGNING_KEY": None,
    }


def normalise_database_url(url: str) -> str:
    """Let operators write the usual ``postgres://`` / ``postgresql://`` forms; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(environ=os.environ) -> dict:
    values: dict = {}
    if environ.get("DATABASE_URL"):
        values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    if environ.get("SECRET_KEY"):
        values["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("REDIS_URL"):
        values["REDIS_URL"] = environ["REDIS_URL"]
        values["RATELIMIT_STORAGE_URI"] = environ["REDIS_URL"]
    if environ.get("REGISTRY_BASE_URL"):
        values["REGISTRY_BASE_URL"] = environ["REGISTRY_BASE_URL"].rstrip("/")
    if environ.get("REGISTRY_SIGNING_KEY"):
        values["REGISTRY_SIGNING_KEY"] = environ["REGISTRY_SIGNING_KEY"]
    if environ.get("REGISTRY_PROXIES"):
        values["REGISTRY_PROXIES"] = int(environ["REGISTRY_PROXIES"])
    if environ.get("RATELIMIT_ENABLED"):
        values["RATELIMIT_ENABLED"] = environ["RATELIMIT_ENABLED"].lower() not in ("0", "false",
                                                                                  "no", "off")
    if environ.get("REGISTRY_ENV"):
        values["REGISTRY_ENV"] = environ["REGISTRY_ENV"]
    return values


def finalise(config, instance_path: str) -> None:
    """Check what must hold before serving and fill in development-only fallbacks."""
    uri = config.get("SQLALCHEMY_DATABASE_URI", "")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if config.get("REGISTRY_ENV") == "production":
        # Served over HTTPS only: the cookies never travel in clear, and browsers are told
        # to use HTTPS for a year (HSTS, see the security headers).
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    if not config.get("SECRET_KEY"):
        if config.get("REGISTRY_ENV") == "production":
            raise ConfigurationError(
                "SECRET_KEY is not set. Registry refuses to start in production without it: "
                "set the SECRET_KEY environment variable (or SECRET_KEY in instance/config.py) "
                "to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        config["SECRET_KEY"] = _development_key(Path(instance_path) / "secret_key")


def _development_key(path: Path) -> str:
    """A random key kept in the instance folder, so that a restart keeps people signed in."""
    try:
        key = path.read_text().strip()
        if key:
            return key
    except OSError:
        pass
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
        path.chmod(0o600)
    except OSError:
        pass  # a read-only instance folder: a per-process key still works
    return key
