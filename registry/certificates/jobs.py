"""Printing a seminar's certificates as a background job, with progress.

``start_print_job`` records the job (the caller commits) and ``dispatch`` hands it over:
with ``REDIS_URL`` set, to an RQ queue that ``flask worker`` serves (any machine of the
installation may pick it up); without Redis, to a worker thread of this process. Either way
``run_print_job`` renders the certificates (the glyph check first; ``printing.print_seminar``:
the seminar's background once, each person's overlay on it), writes progress to the job row
as chunks are finished - the page polls it - and leaves the merged PDF in
``instance/print-jobs/<id>.pdf`` for a day. A failure is stored with its reason.
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from registry.audit.services import record
from registry.certificates.issuing import certifier_refusal
from registry.certificates.models import PrintJob
from registry.certificates.printing import print_seminar, printable_certificates
from registry.database import utcnow, write_intent
from registry.errors import DomainError, PermissionDenied
from registry.extensions import db

QUEUE_NAME = "registry"
KEEP_FILES_FOR = timedelta(days=1)
PROGRESS_EVERY_SECONDS = 0.5

log = logging.getLogger(__name__)
_local_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def jobs_folder() -> Path:
    folder = Path(current_app.instance_path) / "print-jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def job_file(job: PrintJob) -> Path:
    return jobs_folder() / f"{job.id}.pdf"


def start_print_job(seminar, *, actor, preprinted: bool = False) -> PrintJob:
    """Record a job printing every current certificate of ``seminar`` (flushes)."""
    if certifier_refusal(actor, seminar) is not None:  # the view asked can(); the CLI did not
        raise PermissionDenied(_l("You may not print this seminar's certificates."))
    total = len(printable_certificates(seminar))
    if total == 0:
        raise DomainError(_l("This seminar has no certificates to print yet."))
    expire_old_jobs()
    job = PrintJob(id=secrets.token_hex(16), seminar_id=seminar.id, requested_by_id=actor.id,
                   preprinted=preprinted, status="queued", total=total)
    db.session.add(job)
    db.session.flush()
    record(actor, "certificate.print_job", seminar, summary=seminar.title,
           details={"job": job.id, "certificates": total, "preprinted": preprinted})
    db.session.flush()
    return job


def dispatch(job_id: str) -> str:
    """Hand a committed job to Redis (``flask worker``) or to this process's worker thread.
    Returns where it went: ``"redis"`` or ``"thread"`` (``"inline"`` when
    ``REGISTRY_JOBS_INLINE`` asks for it to run at once)."""
    if current_app.config.get("REGISTRY_JOBS_INLINE"):
        run_print_job(job_id)  # tests that are not about jobs: done before the answer
        return "inline"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue(current_app.config.get("REGISTRY_JOB_QUEUE", QUEUE_NAME),
                      connection=Redis.from_url(redis_url))
        queue.enqueue("registry.certificates.jobs.run_queued_job", job_id, job_timeout=3600,
                      result_ttl=86400, failure_ttl=86400)
        return "redis"
    app = current_app._get_current_object()
    _executor().submit(_run_in_app, app, job_id)
    return "thread"


def _executor() -> ThreadPoolExecutor:
    global _local_executor
    with _executor_lock:
        if _local_executor is None:
            # One at a time: rendering already uses every core (worker processes).
            _local_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="print-job")
        return _local_executor


def _run_in_app(app, job_id: str) -> None:
    with app.app_context():
        try:
            run_print_job(job_id)
        except Exception:  # a thread's exception would otherwise vanish with its future
            log.exception("Print job %s could not run", job_id)
        finally:
            db.session.remove()


def run_queued_job(job_id: str) -> None:
    """What the RQ worker runs: the job, then a clean session for the next one."""
    try:
        run_print_job(job_id)
    finally:
        if has_app_context():
            db.session.remove()


def _set(job_id: str, **values) -> None:
    """Write to the job row and commit at once, so the page polling it sees the change.

    The reading transaction is ended first and the write begins as a writer: on SQLite a
    transaction that has read cannot become a writer while someone else writes ("database
    is locked" at once), and a job must never hold the write lock while it renders."""
    db.session.commit()
    with write_intent():
        db.session.execute(update(PrintJob).where(PrintJob.id == job_id).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.commit()


def run_print_job(job_id: str) -> None:
    """Render the job's certificates and store the merged PDF (the worker's entry point)."""
    if not has_app_context():
        raise RuntimeError("Print jobs run inside the application: start the worker with "
                           "`flask worker`, which provides it.")
    job = db.session.get(PrintJob, job_id)
    if job is None or job.status != "queued":
        return
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            _set(job_id, done=done, total=total)

    try:
        _set(job_id, status="running", started_at=utcnow())
        target = job_file(job)
        # Written aside and renamed: the download never sees half a file.
        partial = target.with_name(f".{target.name}.part")
        try:
            count = print_seminar(job.seminar, partial, preprinted=job.preprinted,
                                  progress=progress)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        _set(job_id, status="done", done=count, total=count, finished_at=utcnow())
    except Exception as error:  # every failure is reported on the job's page
        db.session.rollback()
        reason = str(error.message) if isinstance(error, DomainError) else str(
            _l("Printing failed (%(kind)s). Try again; if it fails again, tell the "
               "administrator.", kind=type(error).__name__))
        if not isinstance(error, DomainError):
            log.exception("Print job %s failed", job_id)
        _set(job_id, status="failed", error=reason, finished_at=utcnow())


def expire_old_jobs(now=None) -> int:
    """Delete the PDFs of jobs older than a day and mark the jobs expired (flushes)."""
    now = now or utcnow()
    old = db.session.scalars(select(PrintJob).where(
        PrintJob.created_at < now - KEEP_FILES_FOR,
        PrintJob.status.in_(("done", "failed")))).all()
    for job in old:
        job_file(job).unlink(missing_ok=True)
        job.status = "expired"
    db.session.flush()
    return len(old)
