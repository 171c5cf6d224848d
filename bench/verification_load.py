"""The public verification page under gunicorn on loopback, next to a static-file ceiling, for
each gunicorn worker class.

    .venv/bin/python bench/verification_load.py [--seconds 2] [--rounds 9] [--connections 8]
        [--worker-classes sync,gthread,gevent | --variants sync:5,gthread:5x4,gthread:2x4]
        [--workers N] [--threads 4] [--certificates 200]

Builds a throwaway SQLite register in a temp folder (migrations, then the test fixtures: one
completed seminar whose participants all receive a certificate through the real service),
then starts one gunicorn per variant - ``gunicorn -c gunicorn.conf.py wsgi:app`` as deployed,
with the worker class, workers and threads of the variant on the command line (default: every
class of ``--worker-classes`` with gunicorn.conf.py's workers, 4 threads for gthread; gevent
only if it is installed - nothing is installed) - each on a free loopback port, with the
environment production requires (``DATABASE_URL``, a 32+ character ``SECRET_KEY``,
``REDIS_URL`` - ``$REDIS_URL`` or 127.0.0.1:6379 -, ``REGISTRY_BASE_URL``,
``REGISTRY_INSTANCE_PATH``, ``REGISTRY_ENV=production``). Rate limiting (60 verifications a
minute per address) would refuse nearly everything from one address, and no environment
variable switches it off, so the temp instance folder gets an ``instance/config.py`` with
``RATELIMIT_ENABLED = False`` - the file ``create_app`` reads before the environment. Workers
are not recycled during the run (``--max-requests 0``): a new worker keeps no page yet.

Then an asyncio load generator in this process (raw sockets, HTTP/1.1 keep-alive wherever the
server keeps the connection open - as nginx does upstream, ``keepalive 16`` - and the same for
the page and the ceiling; gunicorn's sync workers close it after every response, so each
request then pays a new TCP connection) warms each server (every code a few times per
worker: each worker keeps its own rendered pages), then runs ``--rounds`` rounds: in each,
every variant in turn serves, for ``--seconds`` each with ``--connections`` requests in flight,

* ``/v/<code>`` with a code picked at random among the issued ones;
* ``/static/css/app.css`` from the same gunicorn - what the stack does with no database,
  template or session at all: a ceiling for the page.

Variants and targets alternate their order from round to round, so the machine's drifting load
(other work on a shared machine) falls on all alike. Prints per variant the median round's
requests/s, p50 and p99 latency (from sending the request, a reconnect included, to the last
byte of the body), errors (anything but a 200, or a broken connection) and how much CPU the
load generator itself took (on a 2-core machine it competes with the workers, so the figures
are a floor for a server with a client elsewhere); then the page as a share of the ceiling
(the median of the rounds' ratios) against the goal (>= 70 %) with its verdict, which variant
served the most verifications, and the verdict for the one gunicorn.conf.py runs. Every
gunicorn is stopped at the end whatever happens.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = ["Ғайратжон Ўроқов", "Gʻayratjon Oʻroqov", "Өлзийбаяр Батболд", "Nguyễn Thị Thắm",
         "Щербакова Юлия Сергеевна", "Абдуллаев Ғайратжон Қаҳрамонович ўғли"]
STATIC_PATH = "/static/css/app.css"
SECRET_KEY = "bench-verification-load-" + "0" * 32  # production wants 32+ characters


# --- the register ------------------------------------------------------------------------------

def build_register(folder: Path, count: int) -> tuple[str, list[str], str]:
    """A migrated SQLite database with ``count`` issued certificates; returns its URL, the
    public codes and one holder's name (to check the page really shows the certificate)."""
    from flask_migrate import upgrade

    from registry import create_app
    # The models are complete once an app is made (create_app imports them all); the
    # services need them, so they are imported after it.
    import registry.models  # noqa: F401
    from registry.certificates.services import issue_for_seminar
    from registry.extensions import db
    from tests.fixtures import create_completed_seminar, create_user

    instance = folder / "instance"
    instance.mkdir()
    # Read by create_app in the gunicorn workers too (REGISTRY_INSTANCE_PATH points here).
    (instance / "config.py").write_text("RATELIMIT_ENABLED = False\n")
    url = f"sqlite:///{folder / 'registry.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                      "RATELIMIT_ENABLED": False}, instance_path=str(instance))
    with app.app_context():
        upgrade()
        official = create_user("official")
        seminar = create_completed_seminar(
            [(f"{NAMES[i % len(NAMES)]} {i}", 3, 90) for i in range(1, count + 1)],
            start=date.today() - timedelta(days=30))
        issued = issue_for_seminar(seminar, issued_by=official).issued
        db.session.commit()
        codes = [certificate.public_code for certificate in issued]
        holder = issued[0].holder_name
        db.session.remove()
        db.engine.dispose()
    return url, codes, holder


# --- gunicorn ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(folder: Path, url: str, port: int, variant: "Variant") -> subprocess.Popen:
    """gunicorn as deployed (``-c gunicorn.conf.py``: preload, keep-alive, max requests, the
    access log - here into the temp folder's gunicorn.log), with the worker class, workers and
    threads of ``variant`` given on the command line (which gunicorn puts above the file)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
           "REGISTRY_INSTANCE_PATH": str(folder / "instance"), "REGISTRY_ENV": "production"}
    # Production refuses to start without Redis and a base URL; the limits are off anyway
    # (instance/config.py), so nothing is counted in that Redis.
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env["REGISTRY_BASE_URL"] = f"http://127.0.0.1:{port}"
    for name in ("GUNICORN_WORKER_CLASS", "GUNICORN_THREADS", "GUNICORN_WORKERS"):
        env.pop(name, None)  # the variant says these
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(folder / "gunicorn.log", "ab")
    # Its own session, so that stopping it stops its workers and nothing else; no control
    # socket, whose default ($HOME/.gunicorn/gunicorn.ctl) another gunicorn may be using.
    return subprocess.Popen(
        [str(gunicorn if gunicorn.exists() else "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "--worker-class", variant.worker_class, "--workers", str(variant.workers),
         "--threads", str(variant.threads),
         # No recycling in the middle of a measurement: a new worker starts with no page
         # kept, which is the warm-up's business, not the steady state's (production
         # recycles after gunicorn.conf.py's max_requests: WeasyPrint's memory).
         "--max-requests", "0",
         "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning",
         "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def wait_until_serving(process: subprocess.Popen, port: int, folder: Path,
                       timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (folder / "gunicorn.log").read_text(errors="replace")
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log[-3000:]}")
        try:
            status, _body = asyncio.run(fetch_once(port, STATIC_PATH))
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")


# --- the load generator ------------------------------------------------------------------------

class Closed(Exception):
    """The server closed the connection before a whole response."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """(status, server keeps the connection, body) of one HTTP/1.1 response."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        raise Closed() from error
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    keep = version == "HTTP/1.1" and headers.get("connection") != "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(part[:-2] for part in parts)
    else:
        body, keep = await reader.read(), False
    return int(status), keep, body


def request_bytes(port: int, path: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: registry-bench\r\n"
            f"Accept-Language: en\r\nAccept: text/html,*/*\r\n\r\n").encode()


async def fetch_once(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request_bytes(port, path))
        status, _keep, body = await read_response(reader)
        return status, body
    finally:
        writer.close()


class Tally:
    def __init__(self):
        self.latencies: list[float] = []
        self.errors = 0
        self.connections = 0
        self.bytes = 0
        self.statuses: dict[str, int] = {}


async def client(port: int, paths, deadline: float, tally: Tally, until=None) -> None:
    reader = writer = None
    while time.perf_counter() < deadline and not (until and until(tally)):
        path = paths()
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                tally.connections += 1
            writer.write(request_bytes(port, path))
            status, keep, body = await read_response(reader)
        except (OSError, Closed, asyncio.IncompleteReadError, ValueError) as error:
            tally.errors += 1
            tally.statuses[type(error).__name__] = tally.statuses.get(type(error).__name__, 0) + 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.bytes += len(body)
        tally.statuses[str(status)] = tally.statuses.get(str(status), 0) + 1
        if status != 200:
            tally.errors += 1
        if not keep:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def load(port: int, paths, seconds: float, connections: int, until=None) -> dict:
    """``connections`` clients for ``seconds`` (or until ``until(tally)`` says enough)."""
    async def run() -> Tally:
        tally = Tally()
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(client(port, paths, deadline, tally, until)
                               for _ in range(connections)))
        return tally

    cpu, wall = time.process_time(), time.perf_counter()
    tally = asyncio.run(run())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    done = len(tally.latencies)
    return {"requests": done, "rps": done / wall, "p50_ms": percentile(tally.latencies, 0.5) * 1000,
            "p99_ms": percentile(tally.latencies, 0.99) * 1000, "errors": tally.errors,
            "connections_opened": tally.connections, "kb": tally.bytes / max(done, 1) / 1024,
            "client_cpu": cpu / wall,
            "statuses": tally.statuses}


# --- the run -----------------------------------------------------------------------------------

GOAL = 0.70  # issue 21: the page at >= 70 % of the static ceiling


@dataclass(frozen=True)
class Variant:
    """One way of running gunicorn: its worker class, workers and threads per worker."""

    worker_class: str
    workers: int
    threads: int = 1

    @property
    def name(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"{self.worker_class} {self.workers} workers{threads}"


def configured_variant() -> Variant:
    """What gunicorn.conf.py runs on this machine (with no GUNICORN_* variables)."""
    config: dict = {}
    saved = {name: os.environ.pop(name) for name in list(os.environ)
             if name in ("GUNICORN_WORKER_CLASS", "GUNICORN_THREADS", "GUNICORN_WORKERS")}
    try:
        exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), config)
    finally:
        os.environ.update(saved)
    return Variant(config["worker_class"], config["workers"], config.get("threads", 1))


def installed(worker_class: str) -> bool:
    """Whether a worker class can run here: gevent and eventlet only if already installed
    (the bench installs nothing)."""
    if worker_class in ("sync", "gthread"):
        return True
    try:
        __import__(worker_class)
    except ImportError:
        return False
    return True


def variants(args) -> list[Variant]:
    workers = args.workers or configured_variant().workers
    chosen = []
    if args.variants:  # "sync:5,gthread:2x4"
        for spec in args.variants.split(","):
            worker_class, _colon, size = spec.strip().partition(":")
            count, _x, threads = size.partition("x")
            if installed(worker_class):
                chosen.append(Variant(worker_class, int(count or workers), int(threads or 1)))
            else:
                print(f"({worker_class}: not installed, left out)")
        return chosen
    for worker_class in args.worker_classes.split(","):
        worker_class = worker_class.strip()
        if not installed(worker_class):
            print(f"({worker_class}: not installed, left out)")
            continue
        if worker_class == "gthread":
            chosen.append(Variant("gthread", workers, args.threads))
        elif worker_class in ("gevent", "eventlet"):
            chosen.append(Variant(worker_class, workers, 1))
        else:
            chosen.append(Variant(worker_class, workers, 1))
    return chosen


def measure(folder: Path, url: str, codes: list[str], holder: str, chosen: list[Variant],
            args) -> list[dict]:
    """Start one gunicorn per variant (each on its own port, all at once: an idle one costs
    nothing), warm each up, then ``--rounds`` rounds in which every variant serves the page
    and the ceiling in turn - so a drift of the machine's load falls on every variant and on
    both targets alike, not on whichever happened to run last."""
    servers = []
    try:
        for variant in chosen:
            port = free_port()
            servers.append((variant, port, start_gunicorn(folder, url, port, variant)))
        for variant, port, process in servers:
            wait_until_serving(process, port, folder)
            status, body = asyncio.run(fetch_once(port, f"/v/{codes[0]}"))
            if status != 200 or holder.encode() not in body:
                raise RuntimeError(f"/v/<code> answered {status} without the holder's name: "
                                   f"{body[:300]!r}")
            # Warm-up: every code a few times per worker (requests land on workers at random,
            # and each worker keeps its own pages), then the ceiling briefly.
            warm = iter(codes * (3 * variant.workers))
            load(port, lambda: f"/v/{next(warm, codes[0])}", 30, args.connections,
                 until=lambda tally: len(tally.latencies) >= len(codes) * 3 * variant.workers)
            load(port, lambda: STATIC_PATH, 1.0, args.connections)

        def verification() -> str:
            return f"/v/{random.choice(codes)}"

        measured = {variant: ([], []) for variant, _port, _process in servers}
        for round_ in range(args.rounds):
            order = servers if round_ % 2 == 0 else list(reversed(servers))
            for variant, port, _process in order:
                pages, ceilings = measured[variant]
                targets = [(pages, verification), (ceilings, lambda: STATIC_PATH)]
                for rows, paths in targets if round_ % 2 == 0 else reversed(targets):
                    rows.append(load(port, paths, args.seconds, args.connections))
    finally:
        for _variant, _port, process in servers:
            stop_gunicorn(process)
    results = []
    for variant, (pages, ceilings) in measured.items():
        ratios = sorted(page["rps"] / ceiling["rps"] for page, ceiling in zip(pages, ceilings))
        results.append({"variant": variant, "page": median_row(pages),
                        "static": median_row(ceilings), "ratio": ratios[len(ratios) // 2],
                        "ratios": ratios})
    return results


def median_row(rows: list[dict]) -> dict:
    """The round with the median requests/s (its latencies with it), errors summed."""
    row = dict(sorted(rows, key=lambda r: r["rps"])[len(rows) // 2])
    row["errors"] = sum(r["errors"] for r in rows)
    row["statuses"] = {}
    for r in rows:
        for key, count in r["statuses"].items():
            row["statuses"][key] = row["statuses"].get(key, 0) + count
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # Many short rounds, the page and the ceiling in turn: on a shared machine the load of
    # others drifts within seconds, and the median of the rounds' ratios shrugs it off.
    parser.add_argument("--seconds", type=float, default=2, help="per target and round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None,
                        help="workers of every variant (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument("--worker-classes", default="sync,gthread,gevent",
                        help="comma-separated; gevent only if installed")
    parser.add_argument("--variants", default=None,
                        help='instead of --worker-classes: "sync:5,gthread:5x4,gthread:2x4"')
    parser.add_argument("--certificates", type=int, default=200)
    args = parser.parse_args()
    # A SIGTERM (a CI timeout, kill) unwinds through the finally below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    configured = configured_variant()
    folder = Path(tempfile.mkdtemp(prefix="registry-verify-bench-"))
    results = []
    try:
        built = time.perf_counter()
        url, codes, holder = build_register(folder, args.certificates)
        built = time.perf_counter() - built
        results = measure(folder, url, codes, holder, variants(args), args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    load_average = os.getloadavg()[0]
    print(f"{len(codes)} certificates on SQLite ({built:.1f} s to build), {os.cpu_count()} CPU "
          f"cores (load average {load_average:.1f}), {args.connections} connections, "
          f"{args.rounds} rounds of {args.seconds:g} s per target; gunicorn -c gunicorn.conf.py "
          f"(configured: {configured.name})")
    print("keep-alive wherever the server keeps the connection open, for the page and the "
          "ceiling alike (sync workers close it after every response)")
    print(f"{'gunicorn':<30}{'target':<22}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
          f"{'KB':>6}  load generator")
    for result in results:
        for name, row in (("/v/<code>", result["page"]),
                          (f"{STATIC_PATH} (ceiling)", result["static"])):
            print(f"{result['variant'].name:<30}{name:<22}{row['rps']:>7.0f}"
                  f"{row['p50_ms']:>8.1f}{row['p99_ms']:>8.1f}{row['errors']:>7}"
                  f"{row['kb']:>6.1f}  {row['client_cpu'] * 100:.0f} % of a core, "
                  f"{row['connections_opened']} connections")
            if row["errors"]:
                print(f"{'':<52}answers: {row['statuses']}")
        verdict = "PASS" if result["ratio"] >= GOAL else "FAIL"
        rounds = ", ".join(f"{ratio * 100:.0f}" for ratio in result["ratios"])
        print(f"{result['variant'].name:<30}page at {result['ratio'] * 100:.0f} % of the "
              f"ceiling (rounds: {rounds} %)   goal >= {GOAL * 100:.0f} %   {verdict}")
    if results:
        best = max(results, key=lambda r: r["page"]["rps"])
        mine = next((r for r in results if r["variant"] == configured), None)
        print(f"most verifications per second: {best['variant'].name} "
              f"({best['page']['rps']:.0f} req/s)")
        if mine is not None:
            verdict = "PASS" if mine["ratio"] >= GOAL else "FAIL"
            print(f"verification page ({configured.name}, as configured): "
                  f"{mine['ratio'] * 100:.0f} % of the static ceiling   goal >= "
                  f"{GOAL * 100:.0f} %   {verdict}")
        print(json.dumps([{"gunicorn": r["variant"].name, "verify_rps": round(r["page"]["rps"], 1),
                           "verify_p50_ms": round(r["page"]["p50_ms"], 1),
                           "verify_p99_ms": round(r["page"]["p99_ms"], 1),
                           "static_rps": round(r["static"]["rps"], 1),
                           "ratio": round(r["ratio"], 3),
                           "errors": r["page"]["errors"] + r["static"]["errors"]}
                          for r in results]))


if __name__ == "__main__":
    main()
