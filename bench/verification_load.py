"""The public verification page under gunicorn on loopback, next to a static-file ceiling.

    .venv/bin/python bench/verification_load.py [--seconds 10] [--connections 8] [--workers N]
                                                [--certificates 200]

Builds a throwaway SQLite register in a temp folder (migrations, then the test fixtures: one
completed seminar whose participants all receive a certificate through the real service),
starts ``gunicorn wsgi:app`` on a free loopback port with ``--workers N`` (default: the CPU
count) and the environment production requires (``DATABASE_URL``, a 32+ character
``SECRET_KEY``, ``REDIS_URL`` - ``$REDIS_URL`` or 127.0.0.1:6379 -, ``REGISTRY_BASE_URL``,
``REGISTRY_INSTANCE_PATH``, ``REGISTRY_ENV=production``). Rate limiting (60 verifications a
minute per address) would refuse nearly everything from one address, and no environment
variable switches it off, so the temp instance folder gets an ``instance/config.py`` with
``RATELIMIT_ENABLED = False`` - the file ``create_app`` reads before the environment.

Then an asyncio load generator in this process (raw sockets, HTTP/1.1 keep-alive wherever the
server keeps the connection open; gunicorn's sync workers close it after every response, so
each request then pays a new TCP connection, as a browser behind no proxy would) keeps
``--connections`` requests in flight for ``--seconds``:

* ``/v/<code>`` with a code picked at random among the issued ones (after a short warm-up);
* ``/static/css/app.css`` from the same gunicorn - what the stack does with no database,
  template or session at all: a ceiling for the page.

Prints requests/s, p50 and p99 latency (from sending the request, a reconnect included, to
the last byte of the body) and errors (anything but a 200, or a broken connection), and how
much CPU the load generator itself took: on a 2-core machine it competes with the workers,
so the figures are a floor for a server with a client elsewhere. gunicorn is stopped at the
end whatever happens.
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


def start_gunicorn(folder: Path, url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
           "REGISTRY_INSTANCE_PATH": str(folder / "instance"), "REGISTRY_ENV": "production"}
    # Production refuses to start without Redis and a base URL; the limits are off anyway
    # (instance/config.py), so nothing is counted in that Redis.
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env["REGISTRY_BASE_URL"] = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(folder / "gunicorn.log", "wb")
    # Its own session, so that stopping it stops its workers and nothing else; no control
    # socket, whose default ($HOME/.gunicorn/gunicorn.ctl) another gunicorn may be using.
    return subprocess.Popen(
        [str(gunicorn if gunicorn.exists() else "gunicorn"), "--workers", str(workers),
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


async def client(port: int, paths, deadline: float, tally: Tally) -> None:
    reader = writer = None
    while time.perf_counter() < deadline:
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


def load(port: int, paths, seconds: float, connections: int) -> dict:
    async def run() -> Tally:
        tally = Tally()
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(client(port, paths, deadline, tally) for _ in range(connections)))
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

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--certificates", type=int, default=200)
    args = parser.parse_args()
    # A SIGTERM (a CI timeout, kill) unwinds through the finally below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    folder = Path(tempfile.mkdtemp(prefix="registry-verify-bench-"))
    process = None
    try:
        built = time.perf_counter()
        url, codes, holder = build_register(folder, args.certificates)
        built = time.perf_counter() - built
        port = free_port()
        process = start_gunicorn(folder, url, port, args.workers)
        wait_until_serving(process, port, folder)

        status, body = asyncio.run(fetch_once(port, f"/v/{codes[0]}"))
        if status != 200 or holder.encode() not in body:
            raise RuntimeError(f"/v/<code> answered {status} without the holder's name: "
                               f"{body[:300]!r}")

        def verification() -> str:
            return f"/v/{random.choice(codes)}"

        load(port, verification, min(2.0, args.seconds), args.connections)  # warm-up
        rows = [("/v/<code>", load(port, verification, args.seconds, args.connections)),
                (f"{STATIC_PATH} (ceiling)",
                 load(port, lambda: STATIC_PATH, args.seconds, args.connections))]
    finally:
        if process is not None:
            stop_gunicorn(process)
        shutil.rmtree(folder, ignore_errors=True)

    print(f"{len(codes)} certificates on SQLite ({built:.1f} s to build), {os.cpu_count()} CPU "
          f"cores, gunicorn {args.workers} sync workers, {args.connections} connections, "
          f"{args.seconds:g} s per target")
    print(f"{'target':<34}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}"
          f"{'KB':>6}  load generator")
    for name, row in rows:
        print(f"{name:<34}{row['requests']:>9}{row['rps']:>8.0f}{row['p50_ms']:>8.1f}"
              f"{row['p99_ms']:>8.1f}{row['errors']:>8}{row['kb']:>6.1f}  "
              f"{row['client_cpu'] * 100:.0f} % of a core, {row['connections_opened']} connections")
        if row["errors"]:
            print(f"{'':<34}answers: {row['statuses']}")
    page, ceiling = rows[0][1], rows[1][1]
    print(f"verification page: {page['rps'] / ceiling['rps'] * 100:.0f} % of the static ceiling")
    print(json.dumps({"cpus": os.cpu_count(), "workers": args.workers,
                      "connections": args.connections, "seconds": args.seconds,
                      "verify_rps": round(page["rps"], 1),
                      "verify_p50_ms": round(page["p50_ms"], 1),
                      "verify_p99_ms": round(page["p99_ms"], 1), "verify_errors": page["errors"],
                      "static_rps": round(ceiling["rps"], 1),
                      "static_p50_ms": round(ceiling["p50_ms"], 1),
                      "static_p99_ms": round(ceiling["p99_ms"], 1),
                      "static_errors": ceiling["errors"]}))


if __name__ == "__main__":
    main()
