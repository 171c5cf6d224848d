"""The test client posts forms the way a browser does: with the CSRF token of a rendered page.

The tests once ran with CSRF switched off, so no test submitted a form as a browser does and a
public form that answered 400 to every visitor went unnoticed. Now CSRF is on in the tests as
in production, and ``BrowserClient`` adds the token to every unsafe request (POST, PUT, PATCH,
DELETE) whose form has none. The token is read from the HTML of a page - never made up with
``generate_csrf()`` - so a public page whose form forgets its token fails its tests (on staff
pages the layout's sign-out form has one anyway: tests/test_client.py checks that every form
renders its own). Where the token comes from:

* ``client.post(url, data=..., page="/some/page")``: from that page (it must carry a token);
* otherwise from ``url`` itself when a GET of it answers 200 with a token (the form's own page);
* otherwise from ``/login``, followed through its redirects: signed-in users land on the
  dashboard, whose layout carries the sign-out form and its token.

``client.post(url, data=..., csrf=False)`` sends the form exactly as given (a test about a
missing or wrong token says so). A form with a ``csrf_token`` of its own is sent as given too.

The look-up is a GET, and rendering a page consumes the flashed messages waiting in the
session: a test that needs a flash to survive from one POST to the next passes ``page=``.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping

from flask import current_app, g, has_app_context
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_TOKEN_INPUT = re.compile(r"<input\b[^>]*\bname=[\"']csrf_token[\"'][^>]*>", re.IGNORECASE)
_VALUE = re.compile(r"\bvalue=[\"']([^\"']*)[\"']", re.IGNORECASE)


def token_in(page: str) -> str | None:
    """The value of the first ``csrf_token`` input of an HTML page, or None."""
    for match in _TOKEN_INPUT.finditer(page):
        value = _VALUE.search(match.group(0))
        if value and value.group(1):
            return html.unescape(value.group(1))
    return None


class BrowserClient(FlaskClient):
    """A test client whose unsafe requests carry the CSRF token of a rendered page."""

    def _forget_cached_token(self) -> None:
        """Flask-WTF caches the token (and "already validated") on ``g``, which lives in the app
        context; a test holds one open across its requests, which then share it. In production
        each request has its own: forget them, or a page renders the token of a session the test
        has since cleared (as the app forgets the cached user, registry/__init__.py)."""
        if has_app_context() and current_app._get_current_object() is self.application:
            field = self.application.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
            g.pop(field, None)
            g.pop("csrf_valid", None)

    def token_from(self, page: str, **kwargs) -> str:
        """The CSRF token of ``page`` (redirects followed); fails if the page shows none."""
        response = self.get(page, follow_redirects=True, **kwargs)
        token = token_in(response.get_data(as_text=True))
        assert token, (f"no csrf_token on {page} (answered {response.status_code}"
                       f" at {response.request.path})")
        self._token_page = response.request.url
        return token

    def page_token(self, url: str, **kwargs) -> str:
        """The token a browser would have: from ``url``'s own page, else from /login."""
        response = self.get(url, **kwargs)
        if response.status_code == 200:
            token = token_in(response.get_data(as_text=True))
            if token:
                self._token_page = response.request.url
                return token
        return self.token_from("/login", **kwargs)

    def open(self, *args, csrf: bool = True, page: str | None = None, **kwargs):
        self._forget_cached_token()
        method = str(kwargs.get("method", "GET")).upper()
        # Redirects being followed come back here as a built request: send those as they are.
        if not (args and isinstance(args[0], str)) or method not in UNSAFE_METHODS:
            assert page is None, "page= only makes sense for a POST (or another unsafe method)"
            return super().open(*args, **kwargs)
        if not csrf:
            assert page is None, "page= and csrf=False contradict each other"
            return super().open(*args, **kwargs)
        data = kwargs.get("data")
        if isinstance(data, Mapping) and "csrf_token" in data:
            return super().open(*args, **kwargs)
        # The page is fetched as this request would be (same headers: a forwarded scheme,
        # an address), and the form is sent with it as the Referer, as a browser sends it -
        # which production's HTTPS Referer check requires.
        extra = {name: kwargs[name] for name in ("headers", "environ_base", "base_url")
                 if name in kwargs}
        token = self.token_from(page, **extra) if page else self.page_token(args[0], **extra)
        headers = dict(kwargs.get("headers") or {})
        headers.setdefault("Referer", self._token_page)
        kwargs["headers"] = headers
        if "json" not in kwargs and (data is None or isinstance(data, Mapping)):
            if isinstance(data, MultiDict):
                data = data.copy()
                data.add("csrf_token", token)
            else:
                data = {**(data or {}), "csrf_token": token}
            kwargs["data"] = data
        else:  # a raw body (JSON, text): the token goes in the header Flask-WTF also reads
            kwargs["headers"] = {**kwargs["headers"], "X-CSRFToken": token}
        return super().open(*args, **kwargs)


def install(app):
    """Makes ``app.test_client()`` a BrowserClient; returns the app."""
    app.test_client_class = BrowserClient
    return app
