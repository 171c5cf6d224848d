"""The production stack for tests: nginx (HTTPS) in front of gunicorn, as deployed.

* gunicorn is started exactly as ``deploy/registry-web.service`` starts it -
  ``gunicorn -c gunicorn.conf.py wsgi:app`` - with the production environment of
  ``deploy/registry.env.example``: ``REGISTRY_ENV=production``, a random 64-character
  ``SECRET_KEY``, ``REDIS_URL``, ``REGISTRY_BASE_URL=https://127.0.0.1:<nginx port>``,
  ``REGISTRY_PROXIES=1``, ``DATABASE_URL`` (the suite's database) and an instance folder of
  its own whose ``config.py`` gives the test its own rate-limit key prefix and job queue (so
  no limit and no job leaks from one test into another);
* nginx runs ``deploy/nginx-registry.conf`` itself: the file is parsed and only what must
  differ on a test machine is filled in (upstream port, listen addresses, the self-signed
  certificate, the static folder) - see :func:`nginx_conf`;
* ``flask worker`` (RQ) on request, for print jobs (with ``REDIS_URL`` set they go to the
  queue); optionally with a gate that holds it before each certificate, so a test sees the
  progress at 0, 1, 2 ... (see ``tests/deployed/gated_worker.py``).

gunicorn's start takes about a second and a half here (the app is imported once, before the
two workers fork), so every test gets a stack of its own; stopping is not waited for (the next
test starts meanwhile) and every process is reaped at the end of the session.

Fixtures (``tests/deployed/conftest.py`` and ``tests/e2e/conftest.py`` import them):

* ``stack`` - a stack with the default configuration;
* ``start_stack(config={...}, worker=False|True|"gated")`` - a stack with extra
  ``instance/config.py`` settings (e.g. ``{"RATELIMIT_VERIFY": "5 per minute"}``);
* ``tls_certificate`` - the session's self-signed certificate (cert, key).

A stack gives visitors: ``stack.visitor()`` (through nginx over HTTPS, optionally from
another loopback address ``source="127.0.0.2"``) and ``stack.direct(client="203.0.113.5")``
(to gunicorn itself, with the ``X-Forwarded-*`` headers nginx would send).
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_NGINX = ROOT / "deploy" / "nginx-registry.conf"
NGINX = "/usr/sbin/nginx"
START_TIMEOUT = 60

# Inherited variables that would change what the stack runs (a developer's shell may have them).
_CLEARED = ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "PORT", "FLASK_APP", "FLASK_DEBUG",
            "RATELIMIT_ENABLED")
_CLEARED_PREFIXES = ("REGISTRY_", "GUNICORN_")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(**values) -> dict:
    """os.environ without anything that configures Registry, plus ``values``."""
    env = {key: value for key, value in os.environ.items()
           if key not in _CLEARED and not key.startswith(_CLEARED_PREFIXES)}
    env.update({key: str(value) for key, value in values.items() if value is not None})
    return env


# --- nginx ---------------------------------------------------------------------------------

@dataclass
class Directive:
    name: str
    args: list
    block: list | None = None  # the directives inside { }, or None for "name args;"


def parse_nginx(text: str) -> list[Directive]:
    """nginx's configuration syntax: directives ``name args;`` and blocks ``name args { }``;
    ``#`` comments; single- or double-quoted arguments (kept with their quotes)."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|#[^\n]*|[{};]|[^\s{};"\'#]+',
                        text)
    tokens = [token for token in tokens if not token.startswith("#")]
    position = 0

    def block(closing: bool) -> list[Directive]:
        nonlocal position
        directives: list[Directive] = []
        words: list[str] = []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == ";":
                directives.append(Directive(words[0], words[1:]))
                words = []
            elif token == "{":
                directives.append(Directive(words[0], words[1:], block(True)))
                words = []
            elif token == "}":
                assert closing and not words, "unbalanced } in the nginx configuration"
                return directives
            else:
                words.append(token)
        assert not closing and not words, "unterminated block in the nginx configuration"
        return directives

    return block(False)


def render_nginx(directives: list[Directive], indent: int = 0) -> str:
    pad = "    " * indent
    lines = []
    for directive in directives:
        head = " ".join([directive.name, *directive.args])
        if directive.block is None:
            lines.append(f"{pad}{head};")
        else:
            lines.append(f"{pad}{head} {{")
            lines.append(render_nginx(directive.block, indent + 1))
            lines.append(f"{pad}}}")
    return "\n".join(line for line in lines if line)


# Directives that name files on the server: each must be filled in below, so that a path the
# deploy file adds one day (an include, a root, a log) is noticed here rather than read from
# the test machine's /etc or /srv.
_PATH_DIRECTIVES = {"alias", "root", "include", "ssl_certificate", "ssl_certificate_key",
                    "ssl_trusted_certificate", "ssl_client_certificate", "ssl_dhparam",
                    "ssl_stapling_file", "access_log", "error_log", "auth_basic_user_file"}


def nginx_conf(deploy_text: str, *, upstream: str, https_port: int, http_port: int,
               certificate: Path, key: Path, static: Path, folder: Path) -> str:
    """The test nginx.conf: deploy/nginx-registry.conf as it is, with the upstream server,
    the listen addresses (127.0.0.1 and free ports), the certificate and the static folder
    filled in; pid, logs and temporary files in ``folder``."""
    site = parse_nginx(deploy_text)

    def fill(directives: list[Directive]) -> None:
        for directive in directives:
            if directive.block is not None:
                fill(directive.block)
            if directive.name == "listen":
                port = directive.args[0].rsplit(":", 1)[-1]
                replacement = {"443": https_port, "80": http_port}.get(port)
                assert replacement, f"listen {directive.args}: only 80 and 443 are known here"
                directive.args[0] = f"127.0.0.1:{replacement}"
            elif directive.name == "ssl_certificate":
                directive.args = [str(certificate)]
            elif directive.name == "ssl_certificate_key":
                directive.args = [str(key)]
            elif directive.name == "alias":
                directive.args = [f"{static}/"]
            elif directive.name in _PATH_DIRECTIVES and directive.args != ["off"]:
                raise AssertionError(f"{directive.name} {directive.args} in "
                                     f"{DEPLOY_NGINX.name}: teach tests/deployed/stack.py "
                                     f"where that lives on a test machine")

    fill(site)
    upstreams = [d for d in site if d.name == "upstream"]
    assert upstreams, "deploy/nginx-registry.conf has no upstream block"
    for block in upstreams:
        servers = [d for d in block.block if d.name == "server"]
        assert servers, "the upstream block names no server"
        servers[0].args = [upstream]
        block.block = [d for d in block.block if d.name != "server" or d is servers[0]]
    user = "user root;" if os.geteuid() == 0 else ""  # the temp folder is private to its owner
    return f"""# Generated by tests/deployed/stack.py from deploy/nginx-registry.conf
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    ssl_protocols TLSv1.2 TLSv1.3;
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

{render_nginx(site, 1)}
}}
"""


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (what the visitors verify against)."""
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True)
    return certificate, key


# --- processes -----------------------------------------------------------------------------

_stopping: list[subprocess.Popen] = []  # signalled, not yet reaped (see reap)


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        try:
            process.send_signal(sig)
        except ProcessLookupError:
            pass
    _stopping.append(process)


def reap(timeout: float = 0) -> None:
    """Collect the stopped processes; with a timeout, wait for them (then kill the rest)."""
    deadline = time.monotonic() + timeout
    for process in list(_stopping):
        try:
            process.wait(max(0.0, deadline - time.monotonic()) if timeout else 0.001)
        except subprocess.TimeoutExpired:
            if timeout:
                process.kill()
                process.wait(10)
            else:
                continue
        _stopping.remove(process)


def _die_with_the_tests() -> None:
    """In the child before exec: SIGTERM when the test process dies, so a killed test run
    leaves no nginx or gunicorn behind (Linux's PR_SET_PDEATHSIG)."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Stack:
    """A running nginx + gunicorn (+ worker); see the module's docstring."""

    folder: Path
    url: str                 # https://127.0.0.1:<nginx port> - what a browser opens
    http_url: str            # http://127.0.0.1:<port> - nginx's plain-http server (redirects)
    app_url: str             # http://127.0.0.1:<gunicorn port> - behind nginx's back
    instance: Path
    env: dict
    certificate: Path
    prefix: str              # this stack's rate-limit key prefix (also names its job queue)
    redis_url: str
    endpoint_of: object = None
    processes: dict = field(default_factory=dict)

    # visitors
    def visitor(self, source: str | None = None):
        """A browser talking to nginx over HTTPS (from ``source``, e.g. "127.0.0.2")."""
        from tests.deployed.web import Visitor

        return Visitor(self.url, verify=str(self.certificate), source_address=source,
                       endpoint_of=self.endpoint_of)

    def direct(self, client: str = "203.0.113.10"):
        """A visitor talking to gunicorn itself with the headers nginx sends for a browser at
        ``client`` (nginx appends the address it sees to ``X-Forwarded-For``)."""
        from tests.deployed.web import Visitor

        host = self.url.split("://", 1)[1]
        return Visitor(self.app_url, public_base=self.url, endpoint_of=self.endpoint_of,
                       headers={"Host": host, "X-Forwarded-For": client,
                                "X-Forwarded-Proto": "https", "X-Forwarded-Host": host})

    # logs
    def logs(self) -> str:
        parts = []
        for name in ("gunicorn.log", "nginx-error.log", "worker.log"):
            text = _tail(self.folder / name)
            if text:
                parts.append(f"--- {name} ---\n{text}")
        return "\n".join(parts)

    # the print worker
    @property
    def queue_name(self) -> str:
        return f"registry-{self.prefix}"

    @property
    def gate_key(self) -> str:
        return f"{self.prefix}:render-gate"

    def start_worker(self, gated: bool = False) -> None:
        """``flask worker`` for this stack's queue (``gated``: held before each certificate
        until :meth:`release_renders`)."""
        command = ([sys.executable, "-m", "tests.deployed.gated_worker"] if gated else
                   [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "worker"])
        env = dict(self.env, REGISTRY_TEST_RENDER_GATE=self.gate_key if gated else "")
        log = open(self.folder / "worker.log", "ab")
        self.processes["worker"] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                                    stderr=subprocess.STDOUT,
                                                    preexec_fn=_die_with_the_tests)
        log.close()

    def wait_for_worker(self) -> None:
        from redis import Redis
        from rq import Worker

        connection = Redis.from_url(self.redis_url)
        deadline = time.monotonic() + START_TIMEOUT
        while not any(self.queue_name in worker.queue_names()
                      for worker in Worker.all(connection=connection)):
            process = self.processes["worker"]
            assert process.poll() is None, f"the worker exited ({process.returncode}):\n" \
                                           f"{self.logs()}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{self.logs()}"
            time.sleep(0.1)

    def release_renders(self, n: int = 1) -> None:
        """Let the gated worker render ``n`` more certificates."""
        from redis import Redis

        Redis.from_url(self.redis_url).rpush(self.gate_key, *(["go"] * n))

    # life cycle
    def stop(self) -> None:
        """Signal the servers (their exit is collected later, see ``reap``); the worker is
        waited for, so that it is gone before its queue is removed from Redis."""
        worker = self.processes.pop("worker", None)
        if worker is not None:
            self.release_renders(50)  # never leave it waiting at the gate
            worker.terminate()
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)
        for name in ("nginx", "gunicorn"):
            if name in self.processes:
                _stop(self.processes.pop(name), signal.SIGQUIT if name == "nginx"
                      else signal.SIGTERM)
        self._forget_redis_keys()

    def _forget_redis_keys(self) -> None:
        """The test's rate-limit counters, its queue and its jobs (the Redis may be shared)."""
        from redis import Redis
        from rq import Queue

        connection = Redis.from_url(self.redis_url)
        queue = Queue(self.queue_name, connection=connection)
        jobs = set(queue.get_job_ids())
        for registry in (queue.started_job_registry, queue.finished_job_registry,
                         queue.failed_job_registry, queue.deferred_job_registry,
                         queue.scheduled_job_registry, queue.canceled_job_registry):
            jobs.update(registry.get_job_ids())
        keys = [key for job in jobs for key in (f"rq:job:{job}", f"rq:results:{job}")]
        keys += connection.scan_iter(match=f"*{self.prefix}*", count=1000)
        keys += [key for key in connection.scan_iter(match="rq:worker:*", count=1000)
                 if connection.type(key) == b"hash"
                 and connection.hget(key, "queues") == self.queue_name.encode()]
        if keys:
            connection.delete(*keys)
        connection.srem("rq:queues", queue.key)


def _wait_until_ready(stack: Stack) -> None:
    import requests

    deadline = time.monotonic() + START_TIMEOUT
    checks = {"gunicorn": f"{stack.app_url}/healthz", "nginx": f"{stack.url}/healthz"}
    for name, url in checks.items():
        while True:
            process = stack.processes[name]
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{stack.logs()}")
            try:
                if requests.get(url, timeout=2, verify=str(stack.certificate)).status_code == 200:
                    break
            except requests.RequestException:  # not yet listening, or someone else's port
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} did not answer {url}:\n{stack.logs()}")
            time.sleep(0.05)


def start(*, folder: Path, **options) -> Stack:
    """Start nginx + gunicorn (+ the worker) in ``folder``; returns when they answer.

    The ports are free when chosen but taken only when the servers bind them; on a shared
    machine someone may take one in between - then the stack starts again on other ports."""
    for attempt in range(3):
        try:
            return _start(folder=folder / f"try{attempt}" if attempt else folder, **options)
        except AssertionError as error:
            busy = ("Address already in use", "Connection in use")  # nginx, gunicorn
            if not any(word in str(error) for word in busy) or attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start(*, app, database_url: str, redis_url: str, folder: Path, certificate: Path,
           key: Path, config: dict | None = None, worker: bool | str = False,
           signing_key: str | None = None) -> Stack:
    folder.mkdir(parents=True, exist_ok=True)
    instance = folder / "instance"
    instance.mkdir()
    prefix = f"deployed-{uuid.uuid4().hex}"
    # instance/config.py, as an operator writes it: this test's own limits and queue.
    settings = {"RATELIMIT_KEY_PREFIX": prefix, "REGISTRY_JOB_QUEUE": f"registry-{prefix}",
                **(config or {})}
    (instance / "config.py").write_text(
        "".join(f"{name} = {value!r}\n" for name, value in settings.items()))
    https_port, http_port, app_port = free_port(), free_port(), free_port()
    url = f"https://127.0.0.1:{https_port}"
    env = production_environment(
        REGISTRY_ENV="production", SECRET_KEY=secrets.token_hex(32), REDIS_URL=redis_url,
        REGISTRY_BASE_URL=url, REGISTRY_PROXIES=1, DATABASE_URL=database_url,
        REGISTRY_INSTANCE_PATH=instance, REGISTRY_SIGNING_KEY=signing_key,
        GUNICORN_BIND=f"127.0.0.1:{app_port}", GUNICORN_WORKERS=2)
    stack = Stack(folder=folder, url=url, http_url=f"http://127.0.0.1:{http_port}",
                  app_url=f"http://127.0.0.1:{app_port}", instance=instance, env=env,
                  certificate=certificate, prefix=prefix, redis_url=redis_url,
                  endpoint_of=_endpoint_resolver(app))
    reap()
    try:
        conf = folder / "nginx.conf"
        conf.write_text(nginx_conf(DEPLOY_NGINX.read_text(), upstream=f"127.0.0.1:{app_port}",
                                   https_port=https_port, http_port=http_port,
                                   certificate=certificate, key=key, static=ROOT / "static",
                                   folder=folder))
        with open(folder / "gunicorn.log", "ab") as log:
            # As deploy/registry-web.service runs it; --no-control-socket because gunicorn 27
            # opens one control socket per user (~/.gunicorn/gunicorn.ctl), which the previous
            # test's stopping server (or anyone else's) may still hold.
            stack.processes["gunicorn"] = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                 "--no-control-socket", "wsgi:app"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_the_tests)
        if worker:
            stack.start_worker(gated=worker == "gated")
        with open(folder / "nginx-error.log", "ab") as log:
            stack.processes["nginx"] = subprocess.Popen(
                [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "nginx-error.log"),
                 "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_the_tests)
        _wait_until_ready(stack)
        if worker:
            stack.wait_for_worker()
    except BaseException:
        stack.stop()
        raise
    return stack


def _endpoint_resolver(app):
    """``endpoint_of("POST", url)``: the view a URL reaches (None if none)."""
    from urllib.parse import urlsplit

    from werkzeug.exceptions import HTTPException

    def endpoint_of(method: str, url: str):
        adapter = app.url_map.bind("127.0.0.1")
        try:
            endpoint, _arguments = adapter.match(urlsplit(url).path, method=method)
        except HTTPException:
            return None
        return endpoint

    return endpoint_of


# --- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory):
    """(certificate, key) for 127.0.0.1, made once per session."""
    yield make_certificate(tmp_path_factory.mktemp("tls"))
    reap(timeout=30)  # the stacks of the session, all stopped by now


@pytest.fixture
def start_stack(app, redis_url, tmp_path, tls_certificate):
    """``start_stack(config={...}, worker=False|True|"gated")`` -> a running :class:`Stack`;
    stopped after the test. Tests create data in-process (``tests/fixtures.py``) and commit:
    the stack shares the suite's database and signing key."""
    from registry.certificates.signing import load_key_ring, private_key_pem
    from registry.extensions import db

    assert db.engine.dialect.name == "postgresql", (
        "the deployed stack shares the suite's database with gunicorn: run it with "
        "TEST_DATABASE_URL (the PostgreSQL pass of `make test`)")
    ring = load_key_ring(app.instance_path, app.config.get("REGISTRY_SIGNING_KEY"))
    signing_key = private_key_pem(ring.current.private_key).decode("ascii")
    stacks: list[Stack] = []

    def _start(config: dict | None = None, worker: bool | str = False) -> Stack:
        stack = start(app=app, database_url=db.engine.url.render_as_string(hide_password=False),
                      redis_url=redis_url, folder=tmp_path / f"stack{len(stacks)}",
                      certificate=tls_certificate[0], key=tls_certificate[1], config=config,
                      worker=worker, signing_key=signing_key)
        stacks.append(stack)
        return stack

    yield _start
    for stack in stacks:
        stack.stop()


@pytest.fixture
def stack(start_stack):
    """nginx + gunicorn in production mode with the default configuration."""
    return start_stack()
