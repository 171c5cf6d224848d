"""Running "requests" at the same moment: threads with their own app context and database
connection, released together by a barrier (used by the concurrency tests of each feature)."""
from __future__ import annotations

import threading

from registry.database import write_intent
from registry.errors import DomainError
from registry.extensions import db


def run_together(app, jobs):
    """Run each ``job.run(job.prepare(arg))`` in its own thread, app context and connection,
    released together by a barrier. Returns each job's result or the DomainError it raised."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)
    db.session.commit()  # the test's own session holds no snapshot or lock meanwhile

    def work(index, job, argument):
        with app.app_context():
            try:
                prepared = job.prepare(argument)
                db.session.commit()  # end the reading transaction before the race
                barrier.wait(timeout=30)
                with write_intent():
                    try:
                        results[index] = job.run(prepared)
                        db.session.commit()
                    except DomainError as error:
                        db.session.rollback()
                        results[index] = error
            except Exception as error:  # surfaced by the assertions below
                results[index] = error
                barrier.abort()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(index, job, argument))
               for index, (job, argument) in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results
