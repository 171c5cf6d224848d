"""Run the whole test suite on SQLite, then on PostgreSQL (never silently skipped).

Redis (rate limits shared by several app servers): the server on 127.0.0.1:6379 when one
answers, else redis-server (installed with apt-get when missing) started on a free port for
this run; its URL reaches the tests as ``TEST_REDIS_URL``.

PostgreSQL: when a server answers on 127.0.0.1:5432 (trust auth, user postgres) a throwaway
database is created for this run and dropped afterwards; otherwise PostgreSQL is installed
with apt-get when missing and a throwaway cluster of this run's own is started in a temporary
folder (initdb + pg_ctl) and removed at the end.

Usage: python tests/tools/run_suite.py [pytest arguments...]
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import socket

import psycopg

SHARED_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_binaries() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        print("PostgreSQL is not installed: installing it with apt-get ...", flush=True)
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                               "postgresql"], check=True, env=env)
        # The package may start a server of its own on 5432; ours stays separate either way.
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1])


@contextmanager
def postgres_server():
    """Yield the URL of a PostgreSQL server's maintenance database."""
    if _answers(SHARED_SERVER):
        print("PostgreSQL: using the server on 127.0.0.1:5432.", flush=True)
        yield SHARED_SERVER
        return
    bindir = _server_binaries()
    folder = tempfile.mkdtemp(prefix="registry-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")  # initdb refuses to run as root
    data, log, port = os.path.join(folder, "data"), os.path.join(folder, "log"), _free_port()
    print(f"PostgreSQL: starting a throwaway cluster in {folder} on port {port}.", flush=True)
    started = False
    try:
        subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", data, "-A", "trust", "-U",
                                     "postgres", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-l", log, "-w", "-o",
                                     f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 "
                                     "-c fsync=off -c full_page_writes=off", "start"]),
                       check=True)
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w",
                                         "stop"]), check=False)
        elif os.path.exists(log):
            print(open(log).read(), file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server():
    """Yield the URL of a Redis database the tests may use (and clear)."""
    if _redis_answers(6379):
        print("Redis: using the server on 127.0.0.1:6379 (database 15).", flush=True)
        yield "redis://127.0.0.1:6379/15"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        print("Redis is not installed: installing it with apt-get ...", flush=True)
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                               "redis-server"], check=True, env=env)
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = _free_port()
    print(f"Redis: starting a throwaway server on port {port}.", flush=True)
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if _redis_answers(port):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def throwaway_database(server_url: str):
    name = f"registry_test_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pytest(label: str, database_url: str | None, args: list[str]) -> tuple[int, str]:
    """Run pytest, streaming its output; return its exit code and its final summary line."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["TEST_DATABASE_URL"] = database_url
    else:
        env.pop("TEST_DATABASE_URL", None)
    print(f"\n===== test suite on {label} =====", flush=True)
    process = subprocess.Popen([sys.executable, "-m", "pytest", *args], env=env,
                               stdout=subprocess.PIPE, text=True, bufsize=1)
    last_line = ""
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.strip():
            last_line = line.strip()
    code = process.wait()
    if code == 5 and "deselected" in last_line:
        # Everything asked for runs in the other pass (deployed, browser, scale-out tests are
        # PostgreSQL-only): this pass had nothing to do, which is not a failure.
        code = 0
    return code, last_line


def main(args: list[str]) -> int:
    with redis_server() as redis_url:
        os.environ["TEST_REDIS_URL"] = redis_url
        results = {"SQLite": _pytest("SQLite", None, args)}
        with postgres_server() as server, throwaway_database(server) as url:
            results["PostgreSQL"] = _pytest("PostgreSQL", url, args)
    print("\n===== summary =====")
    for label, (code, summary) in results.items():
        print(f"{label}: {summary}" + ("" if code == 0 else f"  - FAILED (exit code {code})"))
    return 0 if all(code == 0 for code, _summary in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
