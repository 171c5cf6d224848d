"""How long the dashboard takes on a large register (load one with dashboard_data.py first).

    .venv/bin/python bench/dashboard.py --database-url postgresql://postgres@127.0.0.1/regbench

Renders pages through the Flask test client - the whole request: permission check, form,
every aggregate query, templates with their SVG charts - signed in as the official and as the
busiest trainer, ``--repeat`` times each after one warm-up request, and prints the median and
the slowest time and the number of SQL statements per page. Target: well under a second.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    from sqlalchemy import event, func, select

    from registry import create_app
    from registry.auth.models import User
    from registry.catalog.models import Region
    from registry.config import normalise_database_url
    from registry.extensions import db
    from registry.seminars.models import Registration, seminar_trainer

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(options.database_url),
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": "memory://"},
                     instance_path=tempfile.mkdtemp(prefix="registry-bench-"))
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args, **kwargs: statements.append(1))
        official = db.session.scalar(select(User).where(User.role == "official").limit(1))
        trainer = db.session.scalar(
            select(User).join(seminar_trainer, seminar_trainer.c.user_id == User.id)
            .group_by(User.id).order_by(func.count().desc()).limit(1))
        region_id = db.session.scalar(select(Region.id).where(Region.parent_id.is_(None))
                                      .order_by(Region.id).limit(1))
        registrations = db.session.scalar(select(func.count()).select_from(Registration))
        from registry.auth.sessions import start_session

        tokens = {"official": start_session(official), "trainer": start_session(trainer)}
        db.session.commit()
        trainer_seminars = db.session.scalar(select(func.count()).select_from(seminar_trainer)
                                             .where(seminar_trainer.c.user_id == trainer.id))
        db.session.remove()

    year = date.today().year
    pages = [
        ("official", f"dashboard, {year}", "/"),
        ("official", "dashboard, 2022-2026", "/?from=2022-01-01&to=2026-12-31"),
        ("official", f"dashboard, {year}, region open", f"/?region={region_id}"),
        ("trainer", f"dashboard, {year}", "/"),
        ("trainer", "dashboard, 2022-2026", "/?from=2022-01-01&to=2026-12-31"),
        ("official", "breakdown region .xlsx", "/reports/breakdown/region.xlsx"),
        ("official", "expiring, 180 days", "/reports/expiring?within=180"),
    ]
    print(f"{registrations:,} registrations; trainer teaches {trainer_seminars} seminars; "
          f"{options.repeat} runs after a warm-up")
    print(f"{'as':9} {'page':32} {'median ms':>9} {'max ms':>7} {'queries':>7}")
    client = app.test_client()
    for role, label, url in pages:
        with client.session_transaction() as session:
            session["_user_id"] = tokens[role]
            session["_fresh"] = True
        response = client.get(url)  # warm-up (and a check that the page works)
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(options.repeat):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(f"{role:9} {label:32} {statistics.median(times):9.0f} {max(times):7.0f} "
              f"{len(statements):7d}")


if __name__ == "__main__":
    main()
