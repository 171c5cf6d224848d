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
import re
import time
import zlib
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
        worksheet.append([_cell(worksheet, str(title), font=bold) for title in sheet.headers])
        for row in rows:
            worksheet.append([_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(worksheet, value, *, font=None):
    """The value as written: formula-like text becomes a cell typed as a string (openpyxl
    would otherwise store "=..." as a formula); plain values go in as they are."""
    from openpyxl.cell import WriteOnlyCell

    if not is_formula_like(value) and font is None:
        return value
    cell = WriteOnlyCell(worksheet, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


# --- spreadsheets in ---------------------------------------------------------------------------
#
# Uploaded files are hostile until proven otherwise: the type is told by the bytes, not the
# name; a ZIP's declared sizes are checked before anything is inflated (a zip bomb stops
# here); openpyxl parses XML through defusedxml (installed, so openpyxl uses it), which refuses
# entity tricks such as “billion laughs”; rows are counted as they stream, never all loaded.

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_DATA_ROWS = 5000
MAX_COLUMNS = 50
MAX_INFLATED_BYTES = 40 * 1024 * 1024  # all members of an .xlsx together, once unzipped
MAX_ZIP_MEMBERS = 200
MAX_CELL_CHARS = 1000
# What a file may hold before it is parsed at all. Blank rows and empty cells cost as much to
# parse as full ones, and a 30 KB workbook can declare a million of them: rows are counted
# with the blank ones, cells with the empty ones, and shared strings (loaded whole when a
# workbook opens) before anything is loaded. A real list of 5,000 people is far below each.
MAX_PHYSICAL_ROWS = 20_000
MAX_SHEET_CELLS = 250_000
MAX_SHARED_STRINGS = 100_000
# And whatever slips past the counts stops here: reading never holds a worker longer.
READ_SECONDS = 5.0


# Programs, PDFs, old binary Excel (.xls), other archives: refused by their first bytes.
BINARY_SIGNATURES = (b"MZ", b"\x7fELF", b"%PDF", b"\xd0\xcf\x11\xe0", b"PK", b"\x1f\x8b",
                     b"Rar!", b"7z\xbc\xaf")


class SpreadsheetError(ValueError):
    """The file cannot be read as a participant list; ``str(error)`` says why, for the user."""


@dataclass
class Table:
    """Rows as text, each with the line number a person sees in their spreadsheet program."""

    rows: list  # [(line_number, [cell text, ...])], blank rows left out
    kind: str  # "xlsx" or "csv"
    detail: str = ""  # e.g. "UTF-8, semicolon-separated"


class _Budget:
    """The time reading one file may take; ``check()`` refuses the file once it is spent."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds

    def check(self) -> None:
        from flask_babel import gettext as _

        if time.monotonic() > self.deadline:
            raise SpreadsheetError(_(
                "Reading this file took too long (more than %(seconds)s seconds). Copy the list "
                "into a new workbook, or save it as CSV, and upload it again.",
                seconds=f"{self.seconds:g}"))


def read_table(data: bytes, *, max_rows: int = MAX_DATA_ROWS,
               seconds: float = READ_SECONDS) -> Table:
    """Read an uploaded ``.xlsx`` or ``.csv`` into text rows (the first row is the header).

    Raises ``SpreadsheetError`` with a message for the user for anything that is not a sane
    spreadsheet: empty, too big, too many rows (blank ones counted), cells or shared strings,
    a program or archive in disguise, a zip bomb, XML with entity expansion, undecodable text,
    or a file that takes longer than ``seconds`` to read. Touches no database: callers read
    the file before their transaction begins (see ``registry.web.outside_transaction``).
    """
    from flask_babel import gettext as _

    budget = _Budget(seconds)

    if not data or not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise SpreadsheetError(_("The file is larger than %(mb)s MB.",
                                 mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, max_rows, budget)
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if data.startswith(BINARY_SIGNATURES) or (b"\x00" in data[:4096] and not utf16):
        raise SpreadsheetError(_("This is not a spreadsheet. Upload an Excel workbook (.xlsx) "
                                 "or a CSV file."))
    return _read_csv(data, max_rows, budget)


def _too_many_rows(max_rows: int) -> SpreadsheetError:
    from flask_babel import gettext as _

    return SpreadsheetError(_("The file has more than %(n)s rows of participants. Split it into "
                              "smaller files.", n=max_rows))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed as a number, not "998901234567.0"
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()[:MAX_CELL_CHARS]


def _too_many_physical_rows() -> SpreadsheetError:
    from flask_babel import format_number, gettext as _

    return SpreadsheetError(_(
        "The sheet has more than %(n)s rows, counting the empty ones. Delete the empty rows "
        "below the list (or copy the list into a new file) and upload it again.",
        n=format_number(MAX_PHYSICAL_ROWS)))


def _keep(rows: list, line: int, cells: list, max_rows: int, budget: _Budget) -> None:
    if line > MAX_PHYSICAL_ROWS:
        raise _too_many_physical_rows()
    if line % 256 == 0:
        budget.check()
    if any(cells):
        if len(rows) > max_rows:  # the header plus max_rows data rows are allowed
            raise _too_many_rows(max_rows)
        rows.append((line, cells[:MAX_COLUMNS]))


# Elements counted before parsing, with or without a namespace prefix (``<x:row ...>``).
_ROW_TAG = re.compile(rb"<(?:\w{1,10}:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w{1,10}:)?c[\s>/]")
_STRING_TAG = re.compile(rb"<(?:\w{1,10}:)?si[\s>/]")
_LONGEST_TAG = 24  # bytes kept between chunks so that no tag is split unseen


def _count_tags(stream, patterns: list, budget: _Budget, limits: list[int]) -> None:
    """Count the ``patterns`` in an archive member as it inflates, 1 MB at a time, and raise
    the matching refusal as soon as a count passes its limit (``limits``: one
    ``(number, make_refusal)`` per pattern)."""
    counts = [0] * len(patterns)
    carry = b""
    while True:
        chunk = stream.read(1024 * 1024)
        buffer = carry + chunk
        end = len(buffer) if not chunk else len(buffer) - _LONGEST_TAG
        for index, pattern in enumerate(patterns):
            counts[index] += sum(1 for match in pattern.finditer(buffer, 0, len(buffer))
                                 if match.start() < end)
            limit, refusal = limits[index]
            if counts[index] > limit:
                raise refusal()
        if not chunk:
            return
        carry = buffer[end:]
        budget.check()


def _too_many_cells() -> SpreadsheetError:
    from flask_babel import format_number, gettext as _

    return SpreadsheetError(_(
        "The sheet has more than %(n)s cells, counting the empty ones. Copy the list into a "
        "new workbook and upload it again.", n=format_number(MAX_SHEET_CELLS)))


def _too_many_strings() -> SpreadsheetError:
    from flask_babel import format_number, gettext as _

    return SpreadsheetError(_(
        "The workbook holds more than %(n)s different texts, far more than a participant list "
        "does. Copy the list into a new workbook and upload it again.",
        n=format_number(MAX_SHARED_STRINGS)))


def _check_sizes(archive, members, budget: _Budget) -> None:
    """Refuse a workbook whose sheets or shared strings hold more than a list can, counted
    on the raw XML before openpyxl loads anything."""
    for member in members:
        name = member.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            with archive.open(member) as stream:
                _count_tags(stream, [_ROW_TAG, _CELL_TAG], budget, [
                    (MAX_PHYSICAL_ROWS, _too_many_physical_rows),
                    (MAX_SHEET_CELLS, _too_many_cells)])
        elif name == "xl/sharedStrings.xml":
            with archive.open(member) as stream:
                _count_tags(stream, [_STRING_TAG], budget,
                            [(MAX_SHARED_STRINGS, _too_many_strings)])


def _read_xlsx(data: bytes, max_rows: int, budget: _Budget) -> Table:
    import zipfile

    from flask_babel import gettext as _

    not_a_workbook = SpreadsheetError(_("This file could not be read as an Excel workbook "
                                        "(.xlsx). Save it again from Excel or LibreOffice, or "
                                        "upload a CSV file."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_a_workbook from None
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise not_a_workbook
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_INFLATED_BYTES:
        raise SpreadsheetError(_("This workbook unpacks to far more data than a participant "
                                 "list holds; it was not opened."))
    try:
        _check_sizes(archive, members, budget)
    except SpreadsheetError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError):
        raise not_a_workbook from None
    from openpyxl import load_workbook

    rows: list = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # Never more columns than a list has, never more rows than the cap (openpyxl pads
            # every row to the sheet's declared width, and fills gaps with empty rows).
            for line, values in enumerate(sheet.iter_rows(
                    max_col=MAX_COLUMNS, max_row=MAX_PHYSICAL_ROWS + 1, values_only=True), 1):
                _keep(rows, line, [_cell_text(value) for value in values], max_rows, budget)
        finally:
            workbook.close()
    except SpreadsheetError:
        raise
    except Exception:  # defusedxml's refusals, broken XML, anything openpyxl cannot parse
        raise not_a_workbook from None
    if not rows:
        raise SpreadsheetError(_("The file is empty."))
    return Table(rows=rows, kind="xlsx", detail="Excel")


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _decode(data: bytes) -> tuple[str, str]:
    from flask_babel import gettext as _

    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    # Excel's "CSV (comma delimited)" on a Russian or Uzbek Windows writes Windows-1251.
    text = data.decode("cp1251", errors="replace")
    if "\ufffd" not in text and _CYRILLIC.search(text):
        return text, "Windows-1251"
    raise SpreadsheetError(_("The text of this CSV file is not UTF-8. In Excel choose “Save as” "
                             "→ “CSV UTF-8 (comma delimited)” and upload it again."))


def _delimiter(text: str) -> tuple[str, str]:
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    names = {",": "comma", ";": "semicolon", "\t": "tab"}
    return delimiter, names[delimiter]


def _read_csv(data: bytes, max_rows: int, budget: _Budget) -> Table:
    from flask_babel import gettext as _

    try:
        text, encoding = _decode(data)
    except UnicodeDecodeError:
        raise SpreadsheetError(_("The text of this CSV file could not be decoded.")) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    delimiter, delimiter_name = _delimiter(text)
    rows: list = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            _keep(rows, reader.line_num, [_cell_text(cell) for cell in cells[:MAX_COLUMNS]],
                  max_rows, budget)
    except csv.Error as error:
        raise SpreadsheetError(_("Line %(line)s of the CSV file is broken (%(error)s).",
                                 line=reader.line_num, error=str(error))) from None
    if not rows:
        raise SpreadsheetError(_("The file is empty."))
    return Table(rows=rows, kind="csv", detail=f"{encoding}, {delimiter_name}-separated")


EXPORT_FORMATS = ("xlsx", "csv")


def export_bytes(sheet: Sheet, fmt: str) -> tuple[bytes, str]:
    """``sheet`` as ``.xlsx`` or ``.csv`` bytes, with their MIME type (``fmt`` in
    ``EXPORT_FORMATS``; the web layer turns the pair into a download)."""
    if fmt == "xlsx":
        return xlsx_bytes([sheet]), XLSX_MIMETYPE
    if fmt == "csv":
        return csv_bytes(sheet.headers, sheet.rows), CSV_MIMETYPE
    raise ValueError(f"unknown export format {fmt!r}")
