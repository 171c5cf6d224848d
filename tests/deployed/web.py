"""Talking to the deployed stack as a browser does, over HTTP with ``requests``.

* :func:`csrf_token` - the token of a page's form (the regex every repro in the security review
  uses);
* :class:`Visitor` - one person's browser: its own cookies, a base address, optionally its own
  client address (a loopback source address such as 127.0.0.2, so nginx sees another client),
  every POST sent with the page it came from as ``Referer`` (as a browser does - Flask-WTF
  refuses a POST over HTTPS without a same-origin Referer);
* :meth:`Visitor.submit` - GET a page, take one of its forms with every field as the page
  filled it in (hidden token included), change some fields, press a button, POST it;
* :func:`sign_in` - through the real ``/login`` form with ``tests.fixtures.TEST_PASSWORD``.

Every POST a visitor makes is recorded in ``Visitor.posts`` with the endpoint it reached and
the status it got (see ``tests/deployed/test_post_routes.py``).
"""
from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from tests.fixtures import TEST_PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# The flash messages a page shows (``<p class="flash flash-success" ...>...``), as plain text.
_FLASH = re.compile(r'<p[^>]*class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)
_TAG = re.compile(r"<[^>]+>")


def csrf_token(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    found = CSRF_FIELD.search(html)
    assert found, f"no csrf_token on the page: {html[:300]}"
    return found.group(1)


def text_of(html: str) -> str:
    """A page's text with the tags removed and the white space folded (for assertions)."""
    import html as html_module

    return " ".join(html_module.unescape(_TAG.sub(" ", html)).split())


def flashes(html: str) -> list[tuple[str, str]]:
    """``[(category, text), ...]`` of the page's flash messages."""
    return [(category, text_of(body)) for category, body in _FLASH.findall(html)]


# --- forms ---------------------------------------------------------------------------------

@dataclass
class Form:
    """A form as the browser sees it: where it goes and what it would send."""

    action: str
    method: str
    enctype: str
    fields: list = field(default_factory=list)     # [(name, value)] in document order
    buttons: list = field(default_factory=list)    # [(name or None, value, text)]
    options: dict = field(default_factory=dict)    # select name -> [(value, label)]
    text: str = ""                                  # every text inside the form

    def values(self) -> dict:
        """``{name: value}``, or ``{name: [values]}`` for a name that occurs more than once."""
        out: dict = {}
        for name, value in self.fields:
            if name in out:
                out[name] = (out[name] if isinstance(out[name], list) else [out[name]]) + [value]
            else:
                out[name] = value
        return out

    def option_value(self, name: str, label: str) -> str:
        """The value of the option of ``<select name=...>`` whose label contains ``label``."""
        for value, text in self.options.get(name, []):
            if label in text:
                return value
        raise AssertionError(f"no option {label!r} in {name}: {self.options.get(name)}")


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower(),
                              enctype=a.get("enctype", "application/x-www-form-urlencoded"))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if kind in ("submit", "image"):
                form.buttons.append((name, a.get("value", ""), a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if name and "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind not in ("file", "button", "reset") and name:
                form.fields.append((name, a.get("value", "")))
        elif tag == "select":
            self._select = {"name": a.get("name"), "multiple": "multiple" in a, "chosen": [],
                            "first": None}
            form.options.setdefault(a.get("name"), [])
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif tag == "textarea":
            self._textarea = {"name": a.get("name"), "text": ""}
        elif tag == "button":
            if a.get("type", "submit").lower() == "submit":
                self._button = {"name": a.get("name"), "value": a.get("value", ""), "text": ""}

    def handle_data(self, data):
        if self._form is not None:
            self._form.text += data
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data
        if self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag):
        form = self._form
        if tag == "option" and self._option is not None and self._select is not None:
            option = self._option
            value = option["value"] if option["value"] is not None else option["text"].strip()
            form.options[self._select["name"]].append((value, " ".join(option["text"].split())))
            if self._select["first"] is None:
                self._select["first"] = value
            if option["selected"]:
                self._select["chosen"].append(value)
            self._option = None
        elif tag == "select" and self._select is not None:
            select = self._select
            chosen = select["chosen"] or ([] if select["multiple"] or select["first"] is None
                                          else [select["first"]])
            if select["name"]:
                form.fields.extend((select["name"], value) for value in
                                   (chosen if select["multiple"] else chosen[-1:]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._textarea["name"]:
                text = self._textarea["text"]
                form.fields.append((self._textarea["name"], text[1:] if text.startswith("\n")
                                    else text))
            self._textarea = None
        elif tag == "button" and self._button is not None:
            button = self._button
            form.buttons.append((button["name"], button["value"], " ".join(button["text"].split())))
            self._button = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


# --- the visitor ---------------------------------------------------------------------------

class SourceAddressAdapter(HTTPAdapter):
    """Connections from a given local address: on Linux every 127.x.y.z is this machine, so
    a client bound to 127.0.0.2 reaches nginx on 127.0.0.1 and nginx sees 127.0.0.2."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@contextmanager
def quiet_tls():
    """The stack's certificate is self-signed for 127.0.0.1; the visitors verify it against
    the file itself, but urllib3 may still warn on the way (pytest turns warnings into
    errors)."""
    import urllib3

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        yield


@dataclass
class Post:
    url: str
    endpoint: str | None
    status: int


class Visitor:
    """One browser: ``visitor.get("/check")``, ``visitor.submit("/check", {...})``.

    ``base`` is where requests go; ``public_base`` is the address the person typed (the
    Referer's origin) - the same unless the visitor talks to gunicorn behind nginx's back.
    """

    def __init__(self, base: str, *, verify=True, source_address: str | None = None,
                 public_base: str | None = None, headers: dict | None = None,
                 endpoint_of=None):
        self.base = base.rstrip("/")
        self.public_base = (public_base or base).rstrip("/")
        self.session = requests.Session()
        # Not the environment's CA bundle or proxies (REQUESTS_CA_BUNDLE would replace
        # ``verify``): the stack's own certificate, straight to loopback.
        self.session.trust_env = False
        self.verify = verify
        self.session.headers.update(headers or {})
        if source_address:
            for prefix in ("https://", "http://"):
                self.session.mount(prefix, SourceAddressAdapter(source_address))
        self._endpoint_of = endpoint_of
        self.posts: list[Post] = []
        self.last: requests.Response | None = None

    def url(self, path: str) -> str:
        return path if "://" in path else f"{self.base}{path}"

    def public_url(self, path: str) -> str:
        """What the browser's address bar shows for ``path`` (used as the Referer)."""
        if path.startswith(self.base):
            path = path[len(self.base):]
        return path if "://" in path else f"{self.public_base}{path}"

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("verify", self.verify)
        if self.public_base != self.base and self.session.cookies:
            # Talking to gunicorn over http as if through nginx: the browser in front of nginx
            # does send the Secure session cookie, which requests keeps back over http.
            headers = dict(kwargs.pop("headers", None) or {})
            headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
            kwargs["headers"] = headers
        with quiet_tls():
            return self.session.request(method, url, allow_redirects=False, **kwargs)

    def request(self, method: str, path: str, *, allow_redirects: bool = True,
                **kwargs) -> requests.Response:
        """Send; follow redirects as a browser does (GET, cookies of every hop kept)."""
        response = self._send(method, self.url(path), **kwargs)
        history = []
        while allow_redirects and response.is_redirect and len(history) < 10:
            history.append(response)
            response = self._send("GET", urljoin(response.url, response.headers["Location"]),
                                  timeout=kwargs.get("timeout", 60))
        response.history = history
        self.last = response
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data=None, *, referer: str | None = None, files=None,
             **kwargs) -> requests.Response:
        """A POST; ``referer`` is the page the form was on (None: no Referer at all)."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if referer is not None:
            headers["Referer"] = self.public_url(referer)
        response = self.request("POST", path, data=data, files=files, headers=headers,
                                **kwargs)
        endpoint = self._endpoint_of("POST", self.url(path)) if self._endpoint_of else None
        self.posts.append(Post(self.url(path), endpoint, (response.history or [response])[0]
                               .status_code))
        return response

    def page(self, path: str) -> requests.Response:
        """GET a page and insist it answered 200 (after redirects)."""
        response = self.get(path)
        assert response.status_code == 200, (f"GET {path} answered {response.status_code}: "
                                              f"{text_of(response.text)[:300]}")
        return response

    def form(self, page: requests.Response, *, action: str | None = None,
             button: str | None = None) -> Form:
        """The form of ``page`` that posts to a URL ending with ``action`` and/or has a button
        whose text contains ``button`` (the only post form when neither is given)."""
        candidates = [form for form in forms_of(page.text) if form.method == "post"]
        if action is None and button is None and len(candidates) > 1:
            # Every signed-in page has the header's "Sign out" form too.
            candidates = [form for form in candidates if not form.action.endswith("/logout")]
        if action is not None:
            candidates = [form for form in candidates
                          if urlsplit(urljoin(page.url, form.action or page.url)).path
                          .endswith(action)]
        if button is not None:
            candidates = [form for form in candidates
                          if any(button in text for _name, _value, text in form.buttons)]
        assert len(candidates) == 1, (
            f"{len(candidates)} post forms on {page.url} match action={action!r} "
            f"button={button!r}: {[(f.action, f.buttons) for f in forms_of(page.text)]}")
        return candidates[0]

    def submit(self, path_or_page, fields: dict | None = None, *, action: str | None = None,
               button: str | None = None, files: dict | None = None,
               referer: bool = True, allow_redirects: bool = True) -> requests.Response:
        """Open the page (or take the response given), fill in its form as a person would
        (``fields`` replace the page's values; a value None removes the field, a list sends the
        name once per item), press the button (its name/value is sent, as a browser does),
        and POST the form - with the page as Referer."""
        page = path_or_page if isinstance(path_or_page, requests.Response) \
            else self.page(path_or_page)
        form = self.form(page, action=action, button=button)
        data = [(name, value) for name, value in form.fields if name not in (fields or {})]
        for name, value in (fields or {}).items():
            if value is None:
                continue
            data.extend((name, item) for item in (value if isinstance(value, list) else [value]))
        pressed = [b for b in form.buttons if button is None or button in b[2]][:1]
        for name, value, _text in pressed:
            if name:
                data.append((name, value))
        target = urljoin(page.url, form.action) if form.action else page.url
        return self.post(target, data, referer=page.url if referer else None, files=files,
                         allow_redirects=allow_redirects)


def sign_in(visitor: Visitor, email: str, password: str = TEST_PASSWORD) -> requests.Response:
    """Sign in through the /login form; asserts the dashboard greets the user."""
    response = visitor.submit("/login", {"email": email, "password": password})
    assert response.status_code == 200 and "Sign out" in response.text, (
        f"sign-in as {email} failed ({response.status_code}): {text_of(response.text)[:400]}")
    return response
