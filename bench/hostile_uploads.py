"""How long a hostile or broken upload takes to be refused (goal: under 2 s each).

    .venv/bin/python bench/hostile_uploads.py

Times the import preview as the upload view runs it - ``read_upload`` (the step that sees the
bytes, bounded in rows, cells, shared strings and time) and then ``plan_import`` (row checks
and the duplicate look-ups) - on every file of the security review's M1 table
(``tests/seminars/hostile_files.py``), the other hostile files the import tests use, and the
largest legitimate list (5,000 rows, .xlsx and .csv), on a throwaway SQLite database.
"""
from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def cases():
    from openpyxl import Workbook

    from tests.seminars.hostile_files import M1_FILES
    from tests.seminars.test_import import _billion_laughs, _zip_bomb

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Full name", "Organization", "Email", "Phone"])
    for i in range(5000):
        sheet.append([f"Ғайратжон Ўроқов {i}", f"Korxona {i % 300}", f"p{i}@example.uz",
                      f"+99890{i:07d}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    big_csv = "Full name;Organization\r\n" + "".join(
        f"Nguyễn Thị Thắm {i};Công ty {i % 300}\r\n" for i in range(5000))
    return {
        **{f"M1 {name}": make() for name, make in M1_FILES.items()},
        ".exe renamed .xlsx": b"MZ\x90\x00" + b"\x00" * 200_000,
        "zip bomb (64 MB inflated)": _zip_bomb(),
        "billion laughs": _billion_laughs(),
        "empty file": b"",
        "5,001 rows": ("Full name\r\n" + "".join(f"P{i}\r\n" for i in range(5001))).encode(),
        "5,000 rows .xlsx (accepted)": buffer.getvalue(),
        "5,000 rows .csv (accepted)": big_csv.encode("utf-8"),
    }


def main() -> None:
    import shutil
    import tempfile

    from flask_migrate import upgrade

    from registry import create_app
    from registry.extensions import db
    from registry.seminars.roster_import import plan_import, read_upload
    from tests import fixtures

    folder = Path(tempfile.mkdtemp(prefix="registry-hostile-bench-"))
    slowest_refusal = 0.0
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                          "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "RATELIMIT_STORAGE_URI": "memory://"},
                         instance_path=str(folder / "instance"))
        with app.test_request_context():
            upgrade()
            seminar = fixtures.create_seminar(capacity=6000)
            print(f"{'file':<50}{'KB':>7}{'median ms':>11}{'max ms':>9}  outcome")
            for name, data in cases().items():
                times, outcome, refused = [], "", False
                for _ in range(3):
                    started = time.perf_counter()
                    upload = read_upload(data)
                    plan = plan_import(seminar, upload)
                    times.append((time.perf_counter() - started) * 1000)
                    db.session.rollback()
                    refused = bool(plan.errors)
                    outcome = (f"refused: {plan.errors[0].message[:60]}" if refused
                               else f"read {len(plan.rows)} rows")
                if refused:
                    slowest_refusal = max(slowest_refusal, max(times))
                print(f"{name:<50}{len(data) / 1024:>7.0f}{statistics.median(times):>11.1f}"
                      f"{max(times):>9.1f}  {outcome}")
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    verdict = "within" if slowest_refusal < 2000 else "OVER"
    print(f"slowest refusal: {slowest_refusal:.0f} ms ({verdict} the 2 s goal)")


if __name__ == "__main__":
    main()
