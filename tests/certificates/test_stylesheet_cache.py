"""The certificate stylesheet is parsed once per process and shared by every render - and
parsed again when the file changes, so an edited design shows on the next render."""
from __future__ import annotations

import os

from registry import documents


def test_a_stylesheet_is_parsed_once_and_again_when_it_changes(tmp_path, monkeypatch,
                                                               pdf_reader):
    monkeypatch.setattr(documents, "STATIC_ROOT", tmp_path)
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "paper.css"
    sheet.write_text("@page { size: A4 landscape; margin: 0 }")
    html = "<!doctype html><p>Sertifikat</p>"
    first = documents.stylesheet("css/paper.css")
    assert documents.stylesheet("css/paper.css") is first  # one parse for every render
    assert pdf_reader.page_size_points(documents.render_pdf(html, stylesheets=[first])) == (
        842, 595)
    sheet.write_text("@page { size: A5 portrait; margin: 0 }")
    os.utime(sheet, ns=(1, 2))  # a different file, whatever the clock's resolution
    changed = documents.stylesheet("css/paper.css")
    assert changed is not first
    assert pdf_reader.page_size_points(documents.render_pdf(html, stylesheets=[changed])) == (
        420, 595)
