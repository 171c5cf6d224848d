"""Spreadsheets out: plain rows in, ``.xlsx`` or ``.csv`` bytes out.

Every export goes through here so that one rule holds everywhere: a cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is text, never a formula a spreadsheet
would run (“CSV injection”). In ``.xlsx`` the cell is typed as a string and keeps its exact
value; ``.csv`` has no types, so such a value is written with a leading apostrophe, which
Excel and LibreOffice read as “this is text” and do not show.

CSV is UTF-8 with a byte-order mark, so Excel opens Cyrillic and Vietnamese names correctly.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
MAX_COLUMN_WIDTH = 60


@dataclass
class Sheet:
    """One table: a title (the sheet's name), column headers and rows of plain values."""

    title: str
    headers: list[str]
    rows: list = field(default_factory=list)


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_safe(value):
    """A value for a CSV cell: formula-like text gets a leading apostrophe; dates ISO."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if is_formula_like(value):
        return "'" + value
    return value


def csv_bytes(headers: list[str], rows) -> bytes:
    """A CSV file (UTF-8 with BOM, comma-separated, CRLF line ends as RFC 4180 says)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(h) for h in headers])
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet name, and no duplicates.
    cleaned = "".join("-" if ch in '[]:*?/\\' else ch for ch in title).strip()[:31] or "Sheet"
    candidate, number = cleaned, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate, number = cleaned[:31 - len(suffix)] + suffix, number + 1
    used.add(candidate.casefold())
    return candidate


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """An ``.xlsx`` workbook with one sheet per ``Sheet``: bold, frozen header row, columns
    sized to their content, every formula-like text typed as a string.

    Written in openpyxl's write-only mode, so a 100,000-row register streams instead of
    building every cell object in memory.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_title(sheet.title, used))
        rows = [list(row) for row in sheet.rows]
        widths = [len(str(h)) for h in sheet.headers]
        for row in rows[:500]:  # enough rows to size the columns, without reading them all
            for index, value in enumerate(row[:len(widths)]):
                widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
        for index, width in enumerate(widths, 1):
            worksheet.column_dimensions[get_column_letter(index)].width = min(
                MAX_COLUMN_WIDTH, width + 2)
        worksheet.freeze_panes = "A2"
        header = []
        for title in sheet.headers:
            cell = WriteOnlyCell(worksheet, value=_text_cell_value(title))
            cell.font = bold
            _keep_as_text(cell, title)
            header.append(cell)
        worksheet.append(header)
        for row in rows:
            worksheet.append([_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell_value(value):
    return str(value) if value is not None else None


def _keep_as_text(cell, value) -> None:
    if is_formula_like(value):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula


def _cell(worksheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and is_formula_like(value):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    return value
