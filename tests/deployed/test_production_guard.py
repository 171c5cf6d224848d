"""L2/L3: gunicorn started as production starts it refuses a configuration that would be
unsafe, exits non-zero and names the setting (what an operator reads in the journal)."""
from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from registry.config import EXAMPLE_SECRET_KEY
from tests.deployed.stack import ROOT, free_port, production_environment

pytestmark = pytest.mark.deployed

GOOD = {
    "REGISTRY_ENV": "production",
    "SECRET_KEY": secrets.token_hex(32),
    "REGISTRY_BASE_URL": "https://registry.example.uz",
    "REGISTRY_PROXIES": "1",
}
CASES = {
    "without REDIS_URL": ({"REDIS_URL": None}, "REDIS_URL is not set"),
    "with a short SECRET_KEY": ({"SECRET_KEY": "x" * 31}, "SECRET_KEY has 31 characters"),
    "with the example's placeholder key": ({"SECRET_KEY": EXAMPLE_SECRET_KEY},
                                           "SECRET_KEY is still the placeholder"),
    "without SECRET_KEY": ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
    "without REGISTRY_BASE_URL": ({"REGISTRY_BASE_URL": None}, "REGISTRY_BASE_URL is not set"),
}


@pytest.mark.parametrize("case", CASES)
def test_production_refuses_to_start(case, db, redis_url, tmp_path):
    changes, message = CASES[case]
    settings = {**GOOD, "REDIS_URL": redis_url, **changes}
    env = production_environment(
        **settings, DATABASE_URL=db.engine.url.render_as_string(hide_password=False),
        REGISTRY_INSTANCE_PATH=tmp_path / "instance",
        GUNICORN_BIND=f"127.0.0.1:{free_port()}", GUNICORN_WORKERS=2)
    started = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
         "--no-control-socket", "wsgi:app"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    output = started.stdout + started.stderr
    assert started.returncode != 0, output
    assert message in output, output[-2000:]
    assert "Booting worker" not in output  # refused before serving anyone


def test_the_same_settings_with_nothing_missing_start(stack):
    """The counterpart: the stack every deployed test uses starts with these settings."""
    assert stack.env["REGISTRY_ENV"] == "production" and len(stack.env["SECRET_KEY"]) == 64
    assert stack.visitor().get("/healthz").json() == {"status": "ok", "database": "ok"}
