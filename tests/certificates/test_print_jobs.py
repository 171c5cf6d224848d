"""Printing a seminar in the background: progress, the file, failures, expiry - with a worker
thread of the app (no Redis) and with an RQ worker taking the job from Redis."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from registry.certificates.models import PrintJob
from registry.extensions import db
from tests import fixtures

PEOPLE = (("Ғайратжон Ўроқов", 3, 90), ("Nguyễn Thị Thắm", 3, 85), ("Батбаяр Дорж", 3, 80),
          ("Oʻlmas Gʻaniyev", 3, 75))


@pytest.fixture
def issued_seminar():
    official = fixtures.create_user("official")
    seminar = fixtures.create_completed_seminar(PEOPLE)
    from registry.certificates.services import issue_for_seminar

    issue_for_seminar(seminar, issued_by=official)
    db.session.commit()
    return seminar


def start(client, seminar, preprinted="0"):
    response = client.post(f"/certificates/seminar/{seminar.id}/print",
                           data={"preprinted": preprinted})
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def wait_until_finished(client, job_id, seconds=60):
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get(f"/certificates/jobs/{job_id}.json").get_json()
        seen.append((state["status"], state["done"], state["total"]))
        if state["status"] in ("done", "failed"):
            return state, seen
        time.sleep(0.05)
    raise AssertionError(f"the job did not finish: {seen[-3:]}")


def test_a_worker_thread_prints_while_the_page_shows_progress(app, client, login_as,
                                                              issued_seminar, pdf_reader,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRY_JOBS_INLINE", False)
    login_as("official")
    job_id = start(client, issued_seminar)
    page = client.get(f"/certificates/jobs/{job_id}").get_data(as_text=True)
    assert "data-job-status-url" in page or "Download the PDF" in page  # fast machines
    state, seen = wait_until_finished(client, job_id)
    assert state["status"] == "done" and state["done"] == state["total"] == len(PEOPLE)
    assert all(done <= total for _status, done, total in seen)
    # The finished page offers the file; a reload shows the same (the job is in the database).
    for _ in range(2):
        page = client.get(f"/certificates/jobs/{job_id}").get_data(as_text=True)
        assert "Download the PDF" in page and "4 certificates are ready." in page
    pdf = client.get(state["download"]).data
    assert pdf_reader.page_count(pdf) == len(PEOPLE)
    text = pdf_reader.text(pdf)
    for name, _days, _score in PEOPLE:
        assert name in text
    # The batch is the seminar's background with each person stamped on it: page by page it
    # reads exactly as each certificate's own PDF, in roster order, and its QR opens it.
    from registry.certificates.printing import printable_certificates

    db.session.rollback()
    pages = text.split("\f")
    for page, certificate in enumerate(printable_certificates(issued_seminar)):
        own = client.get(f"/certificates/{certificate.id}.pdf").data
        assert pages[page] == pdf_reader.text(own).split("\f")[0]
        assert pdf_reader.qr_codes(pdf, page=page + 1) == pdf_reader.qr_codes(own)


def test_a_job_that_cannot_print_says_why(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRY_JOBS_INLINE", False)
    official = fixtures.create_user("official")
    seminar = fixtures.create_completed_seminar((("Anvar 𝄞 Karimov", 3, 90),))
    from registry.certificates.services import issue_for_seminar

    issue_for_seminar(seminar, issued_by=official)
    db.session.commit()
    login_as(official)
    job_id = start(client, seminar)
    state, _seen = wait_until_finished(client, job_id)
    assert state["status"] == "failed" and "U+1D11E" in state["error"]
    page = client.get(f"/certificates/jobs/{job_id}").get_data(as_text=True)
    assert "Printing failed" in page and "Anvar 𝄞 Karimov" in page
    assert client.get(f"/certificates/jobs/{job_id}.pdf").status_code == 404


def test_an_rq_worker_takes_the_job_from_redis(app, client, login_as, issued_seminar,
                                               redis_url, monkeypatch, pdf_reader):
    queue = f"registry-test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "REGISTRY_JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "REGISTRY_JOB_QUEUE", queue)
    login_as("official")
    job_id = start(client, issued_seminar, preprinted="1")
    assert client.get(f"/certificates/jobs/{job_id}.json").get_json()["status"] == "queued"
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    state = client.get(f"/certificates/jobs/{job_id}.json").get_json()
    assert state["status"] == "done" and state["done"] == len(PEOPLE)
    pdf = client.get(state["download"]).data
    assert pdf_reader.page_count(pdf) == len(PEOPLE)
    assert "Certificate number" not in pdf_reader.text(pdf)  # pre-printed paper: variable text


def test_files_are_removed_after_a_day(app, client, login_as, issued_seminar):
    from registry.certificates.jobs import expire_old_jobs, job_file

    login_as("official")
    job_id = start(client, issued_seminar)  # runs at once in the test configuration
    job = db.session.get(PrintJob, job_id)
    assert job.status == "done" and job_file(job).is_file()
    job.created_at = job.created_at - timedelta(days=1, minutes=1)
    db.session.commit()
    assert expire_old_jobs() == 1
    db.session.commit()
    assert not job_file(job).exists()
    assert client.get(f"/certificates/jobs/{job_id}.pdf").status_code == 410
    assert "removed after a day" in client.get(f"/certificates/jobs/{job_id}").get_data(
        as_text=True)


def test_the_trainer_who_taught_cannot_print(client, login_as):
    trainer = fixtures.create_user("trainer")
    seminar = fixtures.create_completed_seminar(PEOPLE[:1], trainers=[trainer])
    login_as(trainer)
    response = client.post(f"/certificates/seminar/{seminar.id}/print", data={})
    assert response.status_code == 403
    assert db.session.query(PrintJob).count() == 0
