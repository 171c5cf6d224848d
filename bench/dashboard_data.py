"""A large register for timing the dashboard: bulk-loaded straight into PostgreSQL.

    createdb -h 127.0.0.1 -U postgres regbench
    .venv/bin/python bench/dashboard_data.py --database-url postgresql://postgres@127.0.0.1/regbench

Builds the schema with the migrations (``flask_migrate.upgrade()``), then loads with COPY:
14 regions of 12 districts, 20 sectors, 6 courses, 5,000 organizations, 100,000 people,
10,000 seminars over 2022-2026 (their days and 1-2 of 40 trainers each), 200,000
registrations with day-by-day attendance and exam scores, and a certificate for every
participant who passed a completed seminar (about 1 in 100 revoked, 1 in 100 re-issued).
The same ``--seed`` gives the same register. Refuses a database that already holds people.
Sign-in users: ``bench-official@registry.test`` and ``bench-trainer-1..40@registry.test``.
"""
from __future__ import annotations

import argparse
import json
import random
import secrets
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STAMP = datetime(2026, 1, 1, tzinfo=timezone.utc)
TODAY = date.today()
KINDS = ("ministry", "agency", "enterprise", "enterprise", "enterprise", "local_administration",
         "other")
COURSES = [  # code, title, kind, days, pass mark, validity months, prefix
    ("IA9001", "ISO 9001:2015 Internal Auditor", "internal_auditor", 3, 70, 36, "IA"),
    ("LA9001", "ISO 9001:2015 Lead Auditor", "internal_auditor", 5, 70, 36, "LA"),
    ("AW9001", "ISO 9001:2015 Awareness", "attendance", 1, None, None, "AW"),
    ("QM9001", "Quality Management Systems for the Public Sector", "attendance", 2, None, 24, "QM"),
    ("RB9001", "Risk-based Thinking", "attendance", 1, None, 12, "RB"),
    ("DC9001", "Documented Information", "attendance", 2, None, 24, "DC"),
]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def copy(cursor, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as writer:
        for row in rows:
            writer.write_row(row)
            count += 1
    return count


def generate(cursor, *, people: int, registrations: int, seed: int, official_id: int,
             trainer_ids: list[int]) -> dict:
    rng = random.Random(seed)
    counts = {}

    # Regions: 14 top-level regions, each with 12 districts.
    regions, districts, rows = [], [], []
    next_id = 1
    for r in range(1, 15):
        region_id = next_id
        next_id += 1
        regions.append(region_id)
        rows.append((region_id, "UZ", f"Region {r}", "region", None, STAMP, STAMP))
        for d in range(1, 13):
            rows.append((next_id, "UZ", f"District {r}.{d}", "district", region_id, STAMP, STAMP))
            districts.append(next_id)
            next_id += 1
    counts["region"] = copy(cursor, "region", ("id", "country", "name", "kind", "parent_id",
                                               "created_at", "updated_at"), rows)
    counts["sector"] = copy(cursor, "sector", ("id", "code", "name", "created_at", "updated_at"),
                            ((i, f"S{i:02d}", f"Sector {i}", STAMP, STAMP) for i in range(1, 21)))
    counts["course"] = copy(
        cursor, "course",
        ("id", "code", "title", "standards", "description", "certificate_kind", "hours", "days",
         "pass_mark", "min_attendance_percent", "validity_months", "number_prefix", "languages",
         "active", "created_at", "updated_at"),
        ((i, code, title, "ISO 9001:2015", "", kind, days * 8, days, mark, 100, validity, prefix,
          "uz,ru,en", True, STAMP, STAMP)
         for i, (code, title, kind, days, mark, validity, prefix) in enumerate(COURSES, 1)))
    organizations = 5000
    counts["organization"] = copy(
        cursor, "organization", ("id", "name", "kind", "sector_id", "region_id", "created_at",
                                 "updated_at"),
        ((i, f"Organization {i}", rng.choice(KINDS), rng.randint(1, 20) if i % 17 else None,
          rng.choice(districts + regions), STAMP, STAMP) for i in range(1, organizations + 1)))
    counts["person"] = copy(
        cursor, "person", ("id", "full_name", "search_name", "organization_id", "region_id",
                           "public_listing", "created_at", "updated_at"),
        ((i, f"Participant {i}", f"participant {i}",
          rng.randint(1, organizations) if i % 11 else None,
          rng.choice(districts) if i % 3 else None, False, STAMP, STAMP)
         for i in range(1, people + 1)))

    # Seminars: enough of them for ``registrations`` at 20 a seminar, 2022-2026.
    seminar_count = registrations // 20
    first, span = date(2022, 1, 10), (date(2026, 12, 20) - date(2022, 1, 10)).days
    seminars, seminar_rows, day_rows, trainer_rows = [], [], [], []
    day_id = 1
    for s in range(1, seminar_count + 1):
        course_id = rng.randint(1, len(COURSES))
        days = COURSES[course_id - 1][3]
        start = first + timedelta(days=rng.randrange(span))
        end = start + timedelta(days=days - 1)
        if rng.random() < 0.03:
            status = "cancelled"
        elif end < TODAY:
            status = "completed"
        elif start <= TODAY:
            status = "in_progress"
        else:
            status = "open"
        region_id = rng.choice(districts) if rng.random() < 0.8 else rng.choice(regions)
        day_ids = list(range(day_id, day_id + days))
        for offset, this_day_id in enumerate(day_ids):
            day_rows.append((this_day_id, s, start + timedelta(days=offset)))
        day_id += days
        for trainer_id in rng.sample(trainer_ids, rng.choice((1, 1, 2))):
            trainer_rows.append((s, trainer_id))
        seminars.append({"id": s, "course": course_id, "start": start, "end": end,
                         "status": status, "days": day_ids, "region": region_id})
    # Registrations, attendance and certificates.
    registration_rows, attendance_rows, certificate_rows = [], [], []
    serials: dict[tuple[str, int], int] = {}
    registration_id = attendance_id = certificate_id = 1
    for seminar in seminars:
        code, title, kind, days, mark, validity, prefix = COURSES[seminar["course"] - 1]
        held = seminar["status"] in ("in_progress", "completed")
        taken = 0
        for person_id in rng.sample(range(1, people + 1), 20):
            draw = rng.random()
            status = "registered" if draw < 0.9 else ("waitlisted" if draw < 0.95 else "cancelled")
            score = rng.randint(45, 100) if (kind == "internal_auditor" and held
                                             and status == "registered") else None
            registration_rows.append((registration_id, seminar["id"], person_id, status, STAMP,
                                      score, False, STAMP, STAMP))
            if status == "registered":
                taken += 1
            if held and status == "registered":
                present_all = True
                for this_day_id in seminar["days"]:
                    present = rng.random() < 0.95
                    present_all = present_all and present
                    attendance_rows.append((attendance_id, registration_id, this_day_id, present))
                    attendance_id += 1
                passed = present_all and (mark is None or (score or 0) >= mark)
                if seminar["status"] == "completed" and passed:
                    issued_on = seminar["end"] + timedelta(days=rng.randint(1, 14))
                    if issued_on > TODAY:
                        issued_on = TODAY
                    serial = serials[(prefix, issued_on.year)] = serials.get(
                        (prefix, issued_on.year), 0) + 1
                    number = f"{prefix}-{issued_on.year}-{serial:05d}"
                    valid_until = add_months(issued_on, validity) if validity else None
                    draw = rng.random()
                    revoked = draw < 0.01
                    reissued = 0.01 <= draw < 0.02
                    base = [registration_id, person_id, seminar["course"], seminar["id"], prefix,
                            issued_on.year, serial, number, 1, secrets.token_hex(16),
                            f"Participant {person_id}", title, "ISO 9001:2015", days * 8,
                            seminar["start"], seminar["end"], "Agency", "[]", issued_on,
                            valid_until, "revoked" if revoked else "valid",
                            "issued_in_error" if revoked else None, None, official_id,
                            STAMP, "", "", ""]
                    if reissued:
                        # Revision 1 superseded by revision 2 (the next id).
                        base[22] = certificate_id + 1
                        certificate_rows.append([certificate_id] + base)
                        certificate_id += 1
                        second = list(base)
                        second[8], second[9], second[22] = 2, secrets.token_hex(16), None
                        second[18] = min(TODAY, issued_on + timedelta(days=30))
                        if valid_until is not None and valid_until < second[18]:
                            second[19] = second[18]
                        certificate_rows.append([certificate_id] + second)
                    else:
                        certificate_rows.append([certificate_id] + base)
                    certificate_id += 1
            registration_id += 1
        seminar["taken"] = taken
        capacity = 30
        cancel = "Too few participants" if seminar["status"] == "cancelled" else None
        seminar_rows.append((seminar["id"], seminar["course"], f"{title} — group {seminar['id']}",
                             seminar["start"], seminar["end"], "Training centre",
                             seminar["region"], "uz", capacity, taken, True, seminar["status"],
                             cancel, official_id, STAMP, STAMP))
    counts["seminar"] = copy(cursor, "seminar", (
        "id", "course_id", "title", "start_date", "end_date", "venue", "region_id", "language",
        "capacity", "seats_taken", "waitlist_enabled", "status", "cancel_reason",
        "created_by_id", "created_at", "updated_at"), seminar_rows)
    counts["seminar_day"] = copy(cursor, "seminar_day", ("id", "seminar_id", "day"), day_rows)
    counts["seminar_trainer"] = copy(cursor, "seminar_trainer", ("seminar_id", "user_id"),
                                     trainer_rows)
    counts["registration"] = copy(cursor, "registration", (
        "id", "seminar_id", "person_id", "status", "status_changed_at", "exam_score",
        "left_pending", "created_at", "updated_at"), registration_rows)
    counts["attendance"] = copy(cursor, "attendance", (
        "id", "registration_id", "seminar_day_id", "present"), attendance_rows)
    # Superseding points forward: load with the check deferred by leaving it for an UPDATE.
    superseding = [(row[0], row[23]) for row in certificate_rows if row[23] is not None]
    for row in certificate_rows:
        row[23] = None
    counts["certificate"] = copy(cursor, "certificate", (
        "id", "registration_id", "person_id", "course_id", "seminar_id", "prefix", "year",
        "serial", "number", "revision", "public_code", "holder_name", "course_title",
        "standards", "hours", "start_date", "end_date", "issuer_name", "signatories",
        "issued_on", "valid_until", "status", "status_reason", "superseded_by_id",
        "issued_by_id", "issued_at", "payload", "signature", "key_id"), certificate_rows)
    cursor.executemany("UPDATE certificate SET superseded_by_id = %s, superseded_at = %s "
                       "WHERE id = %s", [(new, STAMP, old) for old, new in superseding])
    copy(cursor, "certificate_number_counter", ("prefix", "year", "last_serial"),
         ((prefix, year, last) for (prefix, year), last in serials.items()))
    for table in ("region", "sector", "course", "organization", "person", "seminar",
                  "seminar_day", "registration", "attendance", "certificate"):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                       f"(SELECT max(id) FROM \"{table}\"))")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=9001)
    options = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from registry import create_app
    from registry.auth.models import User
    from registry.config import normalise_database_url
    from registry.extensions import db
    from registry.people.models import Person

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(options.database_url),
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": "memory://"},
                     instance_path=tempfile.mkdtemp(prefix="registry-bench-"))
    started = time.perf_counter()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            sys.exit("This benchmark loads with PostgreSQL's COPY: give a postgresql:// URL.")
        upgrade()
        if db.session.scalar(select(func.count()).select_from(Person)):
            sys.exit("The database already holds people: use an empty one (createdb ...).")
        official = User(email="bench-official@registry.test", name="Bench Official",
                        role="official")
        official.set_password("bench password")
        trainers = []
        for i in range(1, 41):
            trainer = User(email=f"bench-trainer-{i}@registry.test", name=f"Bench Trainer {i}",
                           role="trainer")
            trainer.set_password("bench password")
            trainers.append(trainer)
        db.session.add_all([official, *trainers])
        db.session.commit()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            counts = generate(cursor, people=options.people, registrations=options.registrations,
                              seed=options.seed, official_id=official.id,
                              trainer_ids=[trainer.id for trainer in trainers])
            raw.commit()
        finally:
            raw.close()
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    elapsed = time.perf_counter() - started
    print(json.dumps(counts, indent=1))
    print(f"loaded in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
