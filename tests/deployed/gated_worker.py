"""``flask worker`` with a gate before each certificate it renders (for the browser journey
that watches a print job's progress): each render waits until the test pushes a token to the
Redis list named by ``REGISTRY_TEST_RENDER_GATE`` (``Stack.release_renders``).

Run as ``python -m tests.deployed.gated_worker`` with the stack's environment; everything
else is the production command.
"""
from __future__ import annotations

import os
import sys


def _install_gate(redis_url: str, key: str) -> None:
    from redis import Redis

    from registry.certificates import overlay

    connection = Redis.from_url(redis_url)
    # A print job renders a small seminar one person at a time as background + overlay.
    real = overlay.render_group

    def gated(*args, **kwargs):
        if connection.blpop([key], timeout=60) is None:
            raise RuntimeError("the test never released the print worker")
        return real(*args, **kwargs)

    overlay.render_group = gated


def main() -> None:
    _install_gate(os.environ["REDIS_URL"], os.environ["REGISTRY_TEST_RENDER_GATE"])
    from flask.cli import main as flask_main

    sys.argv = ["flask", "--app", "wsgi", "worker"]
    flask_main()


if __name__ == "__main__":
    main()
