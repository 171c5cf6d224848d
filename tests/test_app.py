"""The app factory and configuration."""
from __future__ import annotations

import pytest

from registry import create_app
from registry.config import ConfigurationError, from_environment, normalise_database_url


def test_embedded_default_needs_no_variables(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "REGISTRY_BASE_URL", "REGISTRY_ENV",
                 "PORT"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert len(app.config["SECRET_KEY"]) == 64  # a development key is made up ...
    again = create_app(instance_path=str(tmp_path))
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]  # ... and kept over restarts
    assert app.config["REGISTRY_BASE_URL"] == "http://127.0.0.1:5000"


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://registry@db.example/registry")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("REGISTRY_BASE_URL", "https://verify.example.uz/")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == \
        "postgresql+psycopg://registry@db.example/registry"
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["REGISTRY_BASE_URL"] == "https://verify.example.uz"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "config.py").write_text('SECRET_KEY = "from-instance"\nPAGE_SIZE = 7\n')
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["PAGE_SIZE"] == 7


PRODUCTION_ENV = {"REGISTRY_ENV": "production", "SECRET_KEY": "k" * 64,
                  "REDIS_URL": "redis://127.0.0.1:6379/0",
                  "REGISTRY_BASE_URL": "https://registry.example.uz"}


def _production(monkeypatch, **changes):
    for name, value in {**PRODUCTION_ENV, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_production_starts_with_its_required_settings(tmp_path, monkeypatch):
    _production(monkeypatch)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "k" * 64
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert app.config["REGISTRY_BASE_URL"] == "https://registry.example.uz"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def _example_secret_key() -> str:
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "deploy" / "registry.env.example"
    line = next(line for line in example.read_text().splitlines()
                if line.startswith("SECRET_KEY="))
    return line.split("=", 1)[1]


@pytest.mark.parametrize("changes, names", [
    ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
    ({"SECRET_KEY": "x"}, "SECRET_KEY has 1 characters; production needs at least 32"),
    ({"SECRET_KEY": "s" * 31}, "SECRET_KEY has 31 characters"),
    ({"SECRET_KEY": "example"}, "placeholder from deploy/registry.env.example"),
    ({"REDIS_URL": None}, "REDIS_URL is not set"),
    ({"REGISTRY_BASE_URL": None}, "REGISTRY_BASE_URL is not set"),
])
def test_production_refuses_to_start_with_a_missing_or_weak_setting(tmp_path, monkeypatch,
                                                                    changes, names):
    if changes.get("SECRET_KEY") == "example":
        changes = {"SECRET_KEY": _example_secret_key()}  # the deploy example as shipped
    _production(monkeypatch, **changes)
    with pytest.raises(ConfigurationError, match=names) as refusal:
        create_app(instance_path=str(tmp_path))
    assert "e.g." in str(refusal.value)  # each refusal says how to fix it


def test_production_takes_redis_from_the_instance_config_file(tmp_path, monkeypatch):
    _production(monkeypatch, REDIS_URL=None)
    (tmp_path / "config.py").write_text('REDIS_URL = "redis://127.0.0.1:6379/3"\n')
    app = create_app(instance_path=str(tmp_path))
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_development_base_url_follows_the_port(tmp_path, monkeypatch):
    """`PORT=8000 make run` prints QR codes that open on that port."""
    monkeypatch.delenv("REGISTRY_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "8000")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["REGISTRY_BASE_URL"] == "http://127.0.0.1:8000"


@pytest.mark.parametrize("given, expected", [
    ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_are_normalised(given, expected):
    assert normalise_database_url(given) == expected


def test_empty_environment_gives_no_overrides():
    assert from_environment({}) == {}


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_wsgi_module_builds_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("REGISTRY_INSTANCE_PATH", str(tmp_path))
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.name == "registry"


@pytest.mark.parametrize("url, says", [
    ("https://example.uz/registry", "bare origin"),
    ("https://example.uz/registry/", "bare origin"),
    ("https://example.uz?x=1", "bare origin"),
    ("https://example.uz#top", "bare origin"),
    ("ftp://example.uz", "http:// or https://"),
    ("example.uz", "http:// or https://"),
    ("https://user:secret@example.uz", "no user name or password"),
    ("https://реестр.uz", "xn--"),
    ("https://" + "r" * 60 + ".uz", "at most 64"),
])
def test_a_base_url_that_is_not_a_bare_origin_is_refused_at_start(tmp_path, monkeypatch, url,
                                                                  says):
    """Signed QRs print ``<ORIGIN>/V/<CODE>#...`` upper-cased: a path would be lost."""
    monkeypatch.setenv("REGISTRY_BASE_URL", url)
    with pytest.raises(ConfigurationError, match="REGISTRY_BASE_URL") as refusal:
        create_app(instance_path=str(tmp_path))
    assert says in str(refusal.value)


def test_a_bare_origin_with_a_port_is_accepted(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_BASE_URL", "https://registry.example.uz:8443/")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["REGISTRY_BASE_URL"] == "https://registry.example.uz:8443"
