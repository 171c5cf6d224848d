"""How long a hostile or broken upload takes to be refused (target: well within 2 s).

    .venv/bin/python bench/hostile_uploads.py

Times ``registry.spreadsheets.read_table`` - the step that sees the bytes - on each hostile
file the import tests use, plus the largest legitimate list (5,000 rows, .xlsx and .csv).
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
        ".exe renamed .xlsx": b"MZ\x90\x00" + b"\x00" * 200_000,
        "zip bomb (64 MB inflated)": _zip_bomb(),
        "billion laughs": _billion_laughs(),
        "empty file": b"",
        "5,001 rows": ("Full name\r\n" + "".join(f"P{i}\r\n" for i in range(5001))).encode(),
        "5,000 rows .xlsx (accepted)": buffer.getvalue(),
        "5,000 rows .csv (accepted)": big_csv.encode("utf-8"),
    }


def main() -> None:
    from registry.spreadsheets import SpreadsheetError, read_table

    print(f"{'file':<30}{'KB':>8}{'median ms':>11}{'max ms':>9}  outcome")
    for name, data in cases().items():
        times, outcome = [], ""
        for _ in range(5):
            started = time.perf_counter()
            try:
                table = read_table(data)
                outcome = f"read {len(table.rows) - 1} rows"
            except SpreadsheetError as error:
                outcome = f"refused: {str(error)[:60]}"
            times.append((time.perf_counter() - started) * 1000)
        print(f"{name:<30}{len(data) / 1024:>8.0f}{statistics.median(times):>11.1f}"
              f"{max(times):>9.1f}  {outcome}")


if __name__ == "__main__":
    main()
