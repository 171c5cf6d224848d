"""Two gunicorn servers on different loopback ports, one PostgreSQL, one Redis - as a country
runs Registry: capacity holds when both register at once, a certificate issued through one
verifies through the other, and the rate limit is shared."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from registry.extensions import db
from registry.seminars.models import Registration
from tests import fixtures

pytestmark = pytest.mark.scale_out
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def servers(app, redis_url, tmp_path):
    """Two gunicorn servers (two workers each) sharing the suite's PostgreSQL database,
    Redis, the secret key and the signing key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from registry.certificates.signing import private_key_pem

    instance = tmp_path / "instance"
    instance.mkdir()
    # What an operator would put in instance/config.py: a tight limit to show it is shared.
    (instance / "config.py").write_text(
        f"RATELIMIT_VERIFY = '12 per minute'\nRATELIMIT_KEY_PREFIX = 'scale-{uuid.uuid4().hex}'\n")
    env = dict(os.environ,
               DATABASE_URL=db.engine.url.render_as_string(hide_password=False),
               REDIS_URL=redis_url, SECRET_KEY="scale-out-test-key",
               REGISTRY_SIGNING_KEY=private_key_pem(Ed25519PrivateKey.generate()).decode(),
               REGISTRY_BASE_URL="http://registry.test", REGISTRY_INSTANCE_PATH=str(instance))
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    processes, urls = [], []
    try:
        for _ in range(2):
            port = _free_port()
            processes.append(subprocess.Popen(
                [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}",
                 "--no-control-socket", "--log-level", "warning", "wsgi:app"],
                cwd=ROOT, env=env))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert time.monotonic() < deadline, f"gunicorn at {url} did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


def signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(f"{base}/login", data={
        "email": email, "password": fixtures.TEST_PASSWORD, "csrf_token": token})
    assert "Sign out" in response.text, response.text[:300]
    session.csrf = token
    return session


def csrf_from(session: requests.Session, url: str) -> str:
    page = session.get(url).text
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_two_servers_share_the_database_the_queue_of_seats_and_the_rate_limit(servers):
    first, second = servers
    fixtures.create_user("official", email="scale@registry.test")
    seminar = fixtures.create_seminar(capacity=6, waitlist=True)
    people = [fixtures.create_person(f"Иштирокчи {n} Ўғли") for n in range(12)]
    completed = fixtures.create_completed_seminar(
        (("Ғайратжон Ўроқов", 3, 90), ("Nguyễn Thị Thắm", 3, 85), ("Батбаяр Дорж", 3, 80)))
    db.session.commit()
    seminar_id, completed_id = seminar.id, completed.id
    person_ids = [person.id for person in people]
    db.session.remove()

    # Twelve registrations for six seats, half through each server, released together.
    sessions = [signed_in(base, "scale@registry.test") for base in (first, second)]
    tokens = [csrf_from(s, f"{base}/seminars/{seminar_id}/register")
              for s, base in zip(sessions, servers)]
    barrier = threading.Barrier(len(person_ids))
    statuses = []

    def register(index: int, person_id: int) -> None:
        server = index % 2
        barrier.wait()
        response = sessions[server].post(
            f"{servers[server]}/seminars/{seminar_id}/register",
            data={"person_id": person_id, "csrf_token": tokens[server]}, allow_redirects=False)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=register, args=(i, pid))
               for i, pid in enumerate(person_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [302] * 12
    counts = dict(db.session.execute(
        select(Registration.status, func.count()).where(Registration.seminar_id == seminar_id)
        .group_by(Registration.status)).all())
    assert counts == {"registered": 6, "waitlisted": 6}

    # Issued through the first server ...
    token = csrf_from(sessions[0], f"{first}/certificates/seminar/{completed_id}")
    response = sessions[0].post(f"{first}/certificates/seminar/{completed_id}/issue",
                                data={"csrf_token": token})
    assert "3 certificates issued" in response.text
    from registry.certificates.models import Certificate

    codes = db.session.scalars(select(Certificate.public_code).where(
        Certificate.seminar_id == completed_id)).all()
    assert len(codes) == 3
    # ... verified through the second, with the signature checked against its published keys.
    from registry.certificates.signing import public_keys_from_document, verify_signed_document

    keys = public_keys_from_document(requests.get(f"{second}/.well-known/registry-keys.json")
                                     .json())
    for code in codes:
        page = requests.get(f"{second}/v/{code}")
        assert page.status_code == 200
        assert 'class="verdict-word" id="status-word">VALID<' in page.text
        document = requests.get(f"{second}/v/{code}.json").json()
        assert verify_signed_document(document, keys)

    # The limit (12 a minute per address) is counted across both servers: six requests so
    # far, six more alternating between them pass, the next is refused by either.
    for n in range(6):
        base = servers[n % 2]
        assert requests.get(f"{base}/v/{codes[0]}").status_code == 200, n
    refused = requests.get(f"{first}/v/{codes[0]}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert requests.get(f"{second}/v/{codes[0]}").status_code == 429
