"""Configuration: defaults → instance/config.py → environment → explicit test config.

The embedded default (SQLite in ``instance/``) needs no variable at all. In production
(``REGISTRY_ENV=production``) the start stops with a message naming the setting and its fix
when a setting that production cannot do without is missing or weak:

* ``SECRET_KEY`` - at least 32 characters and not the example file's placeholder: it signs the
  session cookies;
* ``REDIS_URL`` - without it every gunicorn worker counts rate limits on its own (a limit of 20
  let 56 of 70 sign-ins through with three workers) and print jobs run in the web process;
* ``REGISTRY_BASE_URL`` - printed into every QR code; a development default there would put
  ``http://127.0.0.1`` on paper for good.

In every environment ``REGISTRY_BASE_URL`` must be a bare origin (``https://host[:port]``, no
path, query or fragment, at most MAX_BASE_URL_LENGTH characters): a signed QR is
``<ORIGIN>/V/<CODE>#<payload>`` with the origin upper-cased, so a path would be lost (paths are
case-sensitive) and a longer address would push the QR past version 13 (docs/qr-format.md).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_KEYS = ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "REGISTRY_BASE_URL")
MIN_SECRET_KEY_LENGTH = 32
# The longest base URL for which the largest signed QR stays at version 13 (level M):
# tests/certificates/test_qr_payload.py measures it.
MAX_BASE_URL_LENGTH = 64
# The value deploy/registry.env.example ships with: a server started from the unedited example
# would sign sessions with a key anyone can read.
EXAMPLE_SECRET_KEY = "change-me-to-the-output-of-python3--c-import-secrets-print-secrets.token_hex-32"
HOW_TO_MAKE_A_KEY = "`python3 -c 'import secrets; print(secrets.token_hex(32))'`"


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
        # None: development derives it from PORT (see finalise); production requires it.
        "REGISTRY_BASE_URL": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "ru", "uz", "uz_Cyrl", "mn", "vi"],
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PAGE_SIZE": 25,
        # A sign-in session unused for this long is no longer accepted (a working day).
        "SESSION_IDLE_MINUTES": 480,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_VERIFY": "60 per minute",
        "RATELIMIT_CHECK": "10 per minute",
        # Problem reports sent from verification pages, per address.
        "RATELIMIT_PROBLEM_REPORT": "5 per hour",
        # PDF downloads (sign-in sheets, certificates, a seminar's batch), per signed-in user.
        "RATELIMIT_PDF": "30 per minute",
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
    if environ.get("REGISTRY_SESSION_IDLE_MINUTES"):
        values["SESSION_IDLE_MINUTES"] = int(environ["REGISTRY_SESSION_IDLE_MINUTES"])
    if environ.get("REGISTRY_ENV"):
        values["REGISTRY_ENV"] = environ["REGISTRY_ENV"]
    return values


def finalise(config, instance_path: str, environ=os.environ) -> None:
    """Check what must hold before serving and fill in development-only fallbacks."""
    uri = config.get("SQLALCHEMY_DATABASE_URI", "")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if config.get("REGISTRY_ENV") == "production":
        _check_production(config)
        # Served over HTTPS only: the cookies never travel in clear, and browsers are told
        # to use HTTPS for a year (HSTS, see the security headers).
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _development_key(Path(instance_path) / "secret_key")
    if config.get("REDIS_URL") and config.get("RATELIMIT_STORAGE_URI") in (None, "memory://"):
        # REDIS_URL from instance/config.py counts too: limits are shared through it.
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
    if not config.get("REGISTRY_BASE_URL"):
        # `PORT=8000 make run` prints QR codes that open on this machine.
        config["REGISTRY_BASE_URL"] = f"http://127.0.0.1:{environ.get('PORT') or '5000'}"
    config["REGISTRY_BASE_URL"] = config["REGISTRY_BASE_URL"].rstrip("/")
    check_base_url(config["REGISTRY_BASE_URL"])


def check_base_url(url: str) -> None:
    """Refuse a ``REGISTRY_BASE_URL`` that is not a bare origin, saying what to write."""
    from urllib.parse import urlsplit

    example = "e.g. REGISTRY_BASE_URL=https://registry.example.uz"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"REGISTRY_BASE_URL is {url!r}: it must be the registry's public address, "
            f"http:// or https:// and a host name, {example}.")
    if parts.path or parts.query or parts.fragment or "?" in url or "#" in url:
        raise ConfigurationError(
            f"REGISTRY_BASE_URL is {url!r}: it must be a bare origin - scheme, host and "
            f"optional port, no path, query or fragment - because certificates' QR codes "
            f"open <origin>/V/<code>. Serve the registry at the root of its own host name, "
            f"{example}.")
    if parts.username is not None or parts.password is not None or port == 0 \
            or not parts.hostname.isascii():
        raise ConfigurationError(
            f"REGISTRY_BASE_URL is {url!r}: it must hold no user name or password, and an "
            f"internationalised host name must be written in its xn-- (ASCII) form, {example}.")
    if len(url) > MAX_BASE_URL_LENGTH:
        raise ConfigurationError(
            f"REGISTRY_BASE_URL has {len(url)} characters; at most {MAX_BASE_URL_LENGTH} keep "
            f"the certificates' QR codes small enough to scan. Use a shorter host name.")


def _check_production(config) -> None:
    """Refuse a production start whose settings would be unsafe, naming the setting and the fix."""
    key = config.get("SECRET_KEY") or ""
    where = "in the environment (/etc/registry/registry.env) or in instance/config.py"
    if not key:
        raise ConfigurationError(
            f"SECRET_KEY is not set. Registry refuses to start in production without it: set "
            f"SECRET_KEY {where} to a long random value, e.g. the output of {HOW_TO_MAKE_A_KEY}.")
    if key == EXAMPLE_SECRET_KEY:
        raise ConfigurationError(
            "SECRET_KEY is still the placeholder from deploy/registry.env.example, which anyone "
            f"can read. Replace it with a random value, e.g. the output of {HOW_TO_MAKE_A_KEY}.")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"SECRET_KEY has {len(key)} characters; production needs at least "
            f"{MIN_SECRET_KEY_LENGTH}, random: e.g. the output of {HOW_TO_MAKE_A_KEY}.")
    if not config.get("REDIS_URL"):
        raise ConfigurationError(
            "REDIS_URL is not set. In production rate limits must be shared by every gunicorn "
            "worker and app server, and print jobs need a queue: set REDIS_URL "
            f"{where}, e.g. REDIS_URL=redis://127.0.0.1:6379/0.")
    if not config.get("REGISTRY_BASE_URL"):
        raise ConfigurationError(
            "REGISTRY_BASE_URL is not set. It is the public address printed in every "
            f"certificate's QR code and must never change: set it {where}, e.g. "
            "REGISTRY_BASE_URL=https://registry.example.uz.")


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
