"""Importing a 5,000-row participant list into one seminar: the preview, then the import.

    .venv/bin/python bench/import_roster.py [--rows 5000] [--on-file 100000]
    .venv/bin/python bench/import_roster.py --database-url \
        postgresql://postgres@127.0.0.1:5432/regimport

Without ``--database-url`` the register is a throwaway SQLite file in a temp folder; with it,
an *empty* PostgreSQL database (``createdb`` it first, drop it after). Either way the schema
comes from the migrations (``flask_migrate.upgrade()``).

The register gets ``--on-file`` people already on file (one insert, not timed), 200
organizations, regions in Uzbek, Mongolian and Vietnamese, and an open seminar with a seat
for everyone. The .xlsx (built with openpyxl: "Full name", "Organization", "Email",
"Region") has names in Uzbek (Cyrillic and Latin), Mongolian and Vietnamese; one row in ten
is a person already on file (same email), organizations are half known, half new.

Timed, as the upload → preview → confirm flow runs them:

* preview - ``plan_import(seminar, data)`` (reads the workbook, one duplicate look-up for the
  whole list, writes nothing);
* import - ``apply_import(seminar, data, actor=...)`` then ``commit`` (plans again, then
  creates people and organizations and registers everyone, with their audit events).

Prints seconds, rows/s and SQL statements for each, then preview + import against the goal
of issue 21 (under 5 s for 5,000 rows with 100,000 people on file, on PostgreSQL) with its
verdict, and a JSON line.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GIVEN = {
    "uz_cyrl": ["Ғайратжон", "Ўктам", "Дилноза", "Шаҳзода", "Қаҳрамон", "Гулчеҳра", "Ҳусан"],
    "uz_latn": ["Gʻayratjon", "Oʻktam", "Dilnoza", "Shahzoda", "Qahramon", "Gulchehra", "Husan"],
    "mn": ["Өлзийбаяр", "Батболд", "Отгонбаяр", "Мөнхзул", "Энхтуяа", "Ганбаатар", "Сарантуяа"],
    "vi": ["Nguyễn Thị Thắm", "Trần Văn Đức", "Lê Thị Hồng", "Phạm Quốc Việt", "Hoàng Thị Ngọc",
           "Vũ Đình Khải", "Đặng Thùy Dương"],
}
FAMILY = {
    "uz_cyrl": ["Ўроқов", "Қодиров", "Абдуллаева", "Ҳамроев", "Тўхтасинов"],
    "uz_latn": ["Oʻroqov", "Qodirov", "Abdullayeva", "Hamroyev", "Toʻxtasinov"],
    "mn": ["Батбаяр", "Дорж", "Цэцэг", "Болд", "Нямдорж"],
    "vi": ["", "", "", "", ""],  # Vietnamese names above are already full (family name first)
}
REGIONS = {"uz_cyrl": ["Тошкент шаҳри", "Самарқанд вилояти", "Фарғона вилояти"],
           "uz_latn": ["Buxoro viloyati", "Xorazm viloyati"],
           "mn": ["Улаанбаатар", "Дархан-Уул аймаг", "Орхон аймаг"],
           "vi": ["Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng"]}
ORGANIZATION = {"uz_cyrl": "«Ўзстандарт» корхонаси {}", "uz_latn": "Oʻzbekiston temir yoʻllari {}",
                "mn": "Монгол Стандарт ХХК {}", "vi": "Công ty TNHH Tiêu chuẩn Việt {}"}
SCRIPTS = list(GIVEN)
GOAL_S = 5.0  # issue 21: preview + import of 5,000 rows with 100,000 people on file


def name_of(i: int) -> tuple[str, str]:
    script = SCRIPTS[i % len(SCRIPTS)]
    given = GIVEN[script][i % 7]
    family = FAMILY[script][(i // 7) % 5]
    return script, " ".join(part for part in (family, given, str(i)) if part)


def workbook(rows: int, on_file: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Full name", "Organization", "Email", "Region"])
    for row in range(rows):
        if on_file and row % 10 == 0:  # a person already on file, found by email
            i = (row // 10) % on_file
            script, full_name = name_of(i)
            email = f"onfile{i}@example.org"
        else:
            i = 100_000 + row
            script, full_name = name_of(i)
            email = f"p{i}@example.org"
        # Organizations 0-99 are on file, 100-399 are new (each appears ~12 times).
        organization = ORGANIZATION[script].format(row % 400)
        region = REGIONS[script][row % len(REGIONS[script])]
        sheet.append([full_name, organization, email, region])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def prepare(on_file: int, rows: int):
    """Regions, organizations, people on file, an official and an open seminar."""
    from registry.catalog.models import Region
    from registry.extensions import db
    from registry.catalog.models import Organization
    from registry.people.models import Person
    from registry.people.names import clean_name, search_key
    from sqlalchemy import insert, text
    from tests.fixtures import create_seminar, create_user

    regions = {}
    for script, names in REGIONS.items():
        country = {"mn": "MN", "vi": "VN"}.get(script, "UZ")
        for name in names:
            regions[name] = Region(country=country, name=name, kind="region")
    organizations = []
    for number in range(100):
        for script in SCRIPTS:
            organizations.append(Organization(name=ORGANIZATION[script].format(number),
                                              kind="enterprise"))
    db.session.add_all([*regions.values(), *organizations])
    db.session.flush()
    people = []
    for i in range(on_file):
        script, full_name = name_of(i)
        full_name = clean_name(full_name)
        people.append({"full_name": full_name, "search_name": search_key(full_name),
                       "email": f"onfile{i}@example.org",
                       "organization_id": organizations[i % len(organizations)].id,
                       "region_id": regions[REGIONS[script][i % len(REGIONS[script])]].id})
    # A bulk insert (not timed): 100,000 ORM objects would take longer than what is measured.
    for start in range(0, len(people), 10_000):
        db.session.execute(insert(Person), people[start:start + 10_000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))  # as autovacuum would after such a load
        db.session.commit()
    official = create_user("official")
    seminar = create_seminar(capacity=rows + 10, status="open",
                             start=date.today() + timedelta(days=30))
    return seminar, official


class StatementCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._tick)

    def _tick(self, *_args):
        self.count += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--on-file", type=int, default=100_000,
                        help="people already in the register before the import")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite "
                                               "in a temp folder)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from registry import create_app
    from registry.config import normalise_database_url
    from registry.extensions import db
    from registry.people.models import Person
    from registry.seminars.models import Registration
    from registry.seminars.roster_import import apply_import, plan_import

    folder = Path(tempfile.mkdtemp(prefix="registry-import-bench-"))
    try:
        url = (normalise_database_url(args.database_url) if args.database_url
               else f"sqlite:///{folder / 'registry.sqlite3'}")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://"},
                         instance_path=str(folder / "instance"))
        with app.test_request_context():
            upgrade()
            if db.session.scalar(select(func.count()).select_from(Person)):
                sys.exit("The database already holds people: use an empty one (createdb ...).")
            seminar, official = prepare(args.on_file, args.rows)
            data = workbook(args.rows, args.on_file)
            counter = StatementCounter(db.engine)

            started, before = time.perf_counter(), counter.count
            plan = plan_import(seminar, data)
            preview_s, preview_sql = time.perf_counter() - started, counter.count - before
            if plan.errors:
                sys.exit(f"The preview found errors: {plan.errors[:5]}")
            db.session.rollback()  # the preview writes nothing; the confirm is a new request

            started, before = time.perf_counter(), counter.count
            plan = apply_import(seminar, data, actor=official)
            db.session.commit()
            import_s, import_sql = time.perf_counter() - started, counter.count - before

            registered = db.session.scalar(select(func.count()).select_from(Registration)
                                           .where(Registration.seminar_id == seminar.id))
            dialect = db.engine.dialect.name
            if dialect == "postgresql":
                server = " ".join(db.session.execute(select(func.version())).scalar().split()[:2])
            else:
                server = f"SQLite {db.engine.dialect.dbapi.sqlite_version}"
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"{args.rows:,} rows (.xlsx, {len(data) / 1024:.0f} KB) into one seminar; "
          f"{args.on_file:,} people on file before; {server}; {os.cpu_count()} CPU cores "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"outcome: {plan.count('new'):,} new people, {plan.count('existing'):,} already on "
          f"file, {len(plan.new_organizations)} new organizations; {registered:,} registered")
    print(f"{'step':<10}{'seconds':>9}{'rows/s':>9}{'SQL':>9}{'SQL/row':>9}")
    for name, seconds, statements in (("preview", preview_s, preview_sql),
                                      ("import", import_s, import_sql)):
        print(f"{name:<10}{seconds:>9.2f}{args.rows / seconds:>9.0f}{statements:>9,}"
              f"{statements / args.rows:>9.1f}")
    total = preview_s + import_s
    print(f"{'preview + import':<18}{total:>9.2f} s   goal < {GOAL_S:.0f} s (5,000 rows, 100,000 "
          f"on file, PostgreSQL)   {'PASS' if total < GOAL_S else 'FAIL'}")
    print(json.dumps({"database": dialect, "rows": args.rows, "on_file": args.on_file,
                      "preview_s": round(preview_s, 2), "import_s": round(import_s, 2),
                      "import_rows_per_s": round(args.rows / import_s),
                      "preview_sql": preview_sql, "import_sql": import_sql,
                      "goal_s": GOAL_S, "verdict": "PASS" if total < GOAL_S else "FAIL"}))


if __name__ == "__main__":
    main()
