"""The hostile participant lists of the security review's M1 table, built in memory (shared by
the import tests and ``bench/hostile_uploads.py``). Each stays under the 2 MB upload limit and
the 40 MB unpacked limit, and each cost a worker a minute or more before the guards."""
from __future__ import annotations

import io
import zipfile

_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/>{extra}</Types>')
_SHARED_STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         f'2006/relationships"><Relationship Id="rId1" Type="{_R}/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_R}"><sheets>'
             '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    f'2006/relationships"><Relationship Id="rId1" Type="{_R}/worksheet" '
    'Target="worksheets/sheet1.xml"/>{extra}</Relationships>')
_SHARED_STRINGS_REL = (f'<Relationship Id="rId2" Type="{_R}/sharedStrings" '
                       'Target="sharedStrings.xml"/>')


def _workbook(sheet: bytes, shared_strings: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            extra=_SHARED_STRINGS_TYPE if shared_strings else ""))
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(
            extra=_SHARED_STRINGS_REL if shared_strings else ""))
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


def _sheet(dimension: str, rows: bytes) -> bytes:
    return (f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><dimension ref="{dimension}"/>'
            '<sheetData><row><c t="inlineStr"><is><t>Full name</t></is></c></row>'
            ).encode() + rows + b"</sheetData></worksheet>"


def row_padding(rows: int = 1_000_000) -> bytes:
    """A million rows of one empty cell under a dimension of 16,384 columns (30 KB): openpyxl
    padded every row to 16,384 cells, and blank rows never counted towards the row limit."""
    return _workbook(_sheet(f"A1:XFD{rows + 1}", b"<row><c/></row>" * rows))


def shared_strings(count: int = 3_000_000) -> bytes:
    """Three million empty shared strings (77 KB): loaded whole when the workbook opens."""
    strings = (f'<?xml version="1.0"?><sst xmlns="{_MAIN}" count="{count}" '
               f'uniqueCount="{count}">').encode() + b"<si><t/></si>" * count + b"</sst>"
    return _workbook(_sheet("A1:A2", b'<row><c t="s"><v>0</v></c></row>'), strings)


def last_row_only() -> bytes:
    """A dimension of the whole sheet and one cell in its very last row (1.6 KB): the gap of
    a million rows was padded and walked."""
    return _workbook(_sheet("A1:XFD1048576",
                            b'<row r="1048576"><c t="inlineStr"><is><t>Anvar</t></is></c></row>'))


def backtracking_emails(rows: int = 2050) -> bytes:
    """A 2 MB CSV whose e-mail cells are ``a@`` + 996 dots + ``@``: the e-mail pattern
    backtracked quadratically, 12 ms a cell."""
    email = "a@" + "." * 996 + "@"
    return ("Full name,Email\r\n" + "".join(
        f"Anvar Karimov {n},{email}\r\n" for n in range(rows))).encode()


def wide_row(cells: int = 2_000_000) -> bytes:
    """One row of two million empty cells (a 40 MB sheet, well compressed)."""
    return _workbook(_sheet("A1:A2", b"<row>" + b"<c/>" * cells + b"</row>"))


M1_FILES = {
    "xlsx: 1,000,000 blank rows, 16,384 columns": row_padding,
    "xlsx: 3,000,000 shared strings": shared_strings,
    "xlsx: one cell in row 1,048,576": last_row_only,
    "csv: 2,050 backtracking e-mails": backtracking_emails,
    "xlsx: one row of 2,000,000 cells": wide_row,
}
