"""The deployed-mode suite: black-box tests over HTTPS through nginx in front of gunicorn in
production mode (see stack.py for the fixtures, web.py for the visitor helpers). PostgreSQL
pass only (``make test``); deselected on SQLite."""
from tests.deployed.stack import stack, start_stack, tls_certificate  # noqa: F401 (fixtures)
