"""Reprinting a certificate against rendering it the first time: in-process and over HTTP.

    .venv/bin/python bench/reprint.py [--repeats 200] [--certificates 6]

Builds a throwaway SQLite register in a temp folder (migrations, then the test fixtures: one
completed seminar whose participants all receive a certificate through the real service, and
an official who prints them), then measures ``GET /certificates/<id>.pdf`` as the official:

* **in-process** - in a fresh Python process of its own (the app made, nothing rendered yet),
  through the Flask test client: the first render (WeasyPrint's start-up in that process
  included: what the first print after a deploy or a worker's recycling costs), a first
  render once warm (another certificate), a plain repeat (the kept file read back), and a
  conditional repeat (``If-None-Match`` with the ETag the first answer gave: 304, no body);
* **over HTTP** - ``gunicorn -c gunicorn.conf.py`` on a free loopback port with one worker
  (so the first request is that fresh worker's first render; one request at a time - this is
  latency, not throughput), signed in through the real ``/login`` form with ``requests``:
  the same four.

Medians of ``--repeats`` requests for the repeats, of ``--certificates`` - 1 certificates for
the warm first render. Goals (issue 21): a conditional reprint in-process >= 100x faster than
the first render in a fresh process, and a plain repeat over HTTP >= 20x faster than the first
render there; each printed with its verdict. gunicorn is stopped at the end whatever happens.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from verification_load import (  # noqa: E402  (after the path is set)
    SECRET_KEY, Variant, configured_variant, free_port, start_gunicorn, stop_gunicorn,
    wait_until_serving,
)

IN_PROCESS_GOAL = 100  # conditional reprint vs first render in a fresh process
HTTP_GOAL = 20  # plain repeat over HTTP vs first render
NAMES = ["Ғайратжон Ўроқов", "Gʻayratjon Oʻroqov", "Өлзийбаяр Батболд", "Nguyễn Thị Thắm",
         "Щербакова Юлия Сергеевна", "Абдуллаев Ғайратжон Қаҳрамонович ўғли"]


def build_register(folder: Path, count: int) -> dict:
    """A migrated SQLite database with ``count`` issued certificates (no PDF kept yet) and an
    official; the temp instance folder switches rate limiting off (as verification_load.py)."""
    from flask_migrate import upgrade

    from registry import create_app
    # The models are complete once an app is made (create_app imports them all); the
    # services need them, so they are imported after it.
    import registry.models  # noqa: F401
    from registry.certificates.services import issue_for_seminar
    from registry.extensions import db
    from tests.fixtures import TEST_PASSWORD, create_completed_seminar, create_user

    instance = folder / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("RATELIMIT_ENABLED = False\n")
    url = f"sqlite:///{folder / 'registry.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                      "RATELIMIT_ENABLED": False}, instance_path=str(instance))
    with app.app_context():
        upgrade()
        official = create_user("official", email="official@bench.test")
        seminar = create_completed_seminar(
            [(f"{NAMES[i % len(NAMES)]} {i}", 3, 90) for i in range(1, 2 * count + 1)],
            start=date.today() - timedelta(days=30))
        issued = issue_for_seminar(seminar, issued_by=official).issued
        db.session.commit()
        ids = [certificate.id for certificate in issued]
        db.session.remove()
        db.engine.dispose()
    return {"url": url, "instance": str(instance), "ids": ids,
            "email": "official@bench.test", "password": TEST_PASSWORD}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


# --- in a fresh process --------------------------------------------------------------------

def in_process(register: dict, ids: list[int], repeats: int) -> dict:
    """Run in a child process: the four figures through the Flask test client."""
    from registry import create_app
    from registry.auth.models import User
    from registry.extensions import db
    from sqlalchemy import select
    from tests.fixtures import sign_in

    app = create_app({"SQLALCHEMY_DATABASE_URI": register["url"], "SECRET_KEY": SECRET_KEY,
                      "RATELIMIT_ENABLED": False, "REGISTRY_BASE_URL": "http://127.0.0.1"},
                     instance_path=register["instance"])
    client = app.test_client()
    with app.app_context():
        official = db.session.scalars(select(User).where(User.email == register["email"])).one()
        sign_in(client, official)

    def timed(url, **kwargs):
        started = time.perf_counter()
        response = client.get(url, **kwargs)
        return time.perf_counter() - started, response

    first_url = f"/certificates/{ids[0]}.pdf"
    first, response = timed(first_url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF"), response.status
    etag = response.headers["ETag"]
    warm = [timed(f"/certificates/{i}.pdf")[0] for i in ids[1:]]
    plain, conditional = [], []
    for _ in range(repeats):
        seconds, again = timed(first_url)
        assert again.status_code == 200 and again.data == response.data
        plain.append(seconds)
        seconds, cached = timed(first_url, headers={"If-None-Match": etag})
        assert cached.status_code == 304 and cached.data == b""
        conditional.append(seconds)
    return {"first_ms": first * 1000, "warm_ms": median_ms(warm), "plain_ms": median_ms(plain),
            "conditional_ms": median_ms(conditional), "kb": len(response.data) / 1024}


def run_in_fresh_process(register: dict, ids: list[int], repeats: int) -> dict:
    arguments = json.dumps({"register": register, "ids": ids, "repeats": repeats})
    done = subprocess.run([sys.executable, __file__, "--child", arguments], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the in-process child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- over HTTP -----------------------------------------------------------------------------

def over_http(folder: Path, register: dict, ids: list[int], repeats: int,
              variant: Variant) -> dict:
    import requests

    port = free_port()
    process = start_gunicorn(folder, register["url"], port, variant)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, port, folder)
        browser = requests.Session()

        def keep_cookies(response):
            # Production cookies are Secure; this is plain HTTP on loopback, so the bench
            # hands them back itself (requests would not).
            for cookie in response.cookies:
                browser.cookies.set(cookie.name, cookie.value)

        page = browser.get(f"{base}/login")
        keep_cookies(page)
        import re

        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        signed_in = browser.post(f"{base}/login", data={
            "csrf_token": token, "email": register["email"], "password": register["password"]},
            allow_redirects=False)
        keep_cookies(signed_in)
        assert signed_in.status_code in (302, 303), signed_in.status_code

        def timed(url, **kwargs):
            started = time.perf_counter()
            response = browser.get(f"{base}{url}", allow_redirects=False, **kwargs)
            body = response.content
            seconds = time.perf_counter() - started
            keep_cookies(response)
            return seconds, response, body

        first_url = f"/certificates/{ids[0]}.pdf"
        first, response, body = timed(first_url)
        assert response.status_code == 200 and body.startswith(b"%PDF"), response.status_code
        etag = response.headers["ETag"]
        warm = [timed(f"/certificates/{i}.pdf")[0] for i in ids[1:]]
        plain, conditional = [], []
        for _ in range(repeats):
            seconds, again, again_body = timed(first_url)
            assert again.status_code == 200 and again_body == body
            plain.append(seconds)
            seconds, cached, cached_body = timed(first_url, headers={"If-None-Match": etag})
            assert cached.status_code == 304 and cached_body == b""
            conditional.append(seconds)
    finally:
        stop_gunicorn(process)
    return {"first_ms": first * 1000, "warm_ms": median_ms(warm), "plain_ms": median_ms(plain),
            "conditional_ms": median_ms(conditional), "kb": len(body) / 1024}


# --- the run -------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--certificates", type=int, default=6,
                        help="rendered first per part (one cold, the others warm)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        given = json.loads(args.child)
        print(json.dumps(in_process(given["register"], given["ids"], given["repeats"])))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    variant = Variant(configured_variant().worker_class, 1, configured_variant().threads)
    folder = Path(tempfile.mkdtemp(prefix="registry-reprint-bench-"))
    try:
        register = build_register(folder, args.certificates)
        ids = register["ids"]
        local = run_in_fresh_process(register, ids[:args.certificates], args.repeats)
        http = over_http(folder, register, ids[args.certificates:2 * args.certificates],
                         args.repeats, variant)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"SQLite, {os.cpu_count()} CPU cores (load average {os.getloadavg()[0]:.1f}); "
          f"{local['kb']:.0f} KB per PDF; medians of {args.repeats} repeats and of "
          f"{args.certificates - 1} warm first renders; over HTTP: gunicorn -c gunicorn.conf.py "
          f"as {variant.name}")
    print(f"{'':<12}{'first render':>14}{'warm render':>13}{'plain repeat':>14}"
          f"{'304 repeat':>12}")
    for name, row in (("in-process", local), ("over HTTP", http)):
        print(f"{name:<12}{row['first_ms']:>11.1f} ms{row['warm_ms']:>10.1f} ms"
              f"{row['plain_ms']:>11.2f} ms{row['conditional_ms']:>9.2f} ms")
    ratios = {
        "in-process": (local["first_ms"] / local["conditional_ms"], IN_PROCESS_GOAL,
                       "conditional reprint vs first render in a fresh process"),
        "over HTTP": (http["first_ms"] / http["plain_ms"], HTTP_GOAL,
                      "plain repeat vs first render"),
    }
    for name, (ratio, goal, what) in ratios.items():
        print(f"{name:<12}{what}: {ratio:.0f}x   goal >= {goal}x   "
              f"{'PASS' if ratio >= goal else 'FAIL'}")
    print(f"{'':<12}(against a warm render: conditional in-process "
          f"{local['warm_ms'] / local['conditional_ms']:.0f}x, plain over HTTP "
          f"{http['warm_ms'] / http['plain_ms']:.0f}x, 304 over HTTP "
          f"{http['warm_ms'] / http['conditional_ms']:.0f}x)")
    print(json.dumps({"in_process": {k: round(v, 3) for k, v in local.items()},
                      "http": {k: round(v, 3) for k, v in http.items()}}))


if __name__ == "__main__":
    main()
