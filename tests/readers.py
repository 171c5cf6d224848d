"""Reading documents the way a person or a phone would: poppler for PDFs, zbar for QR codes.

The ``pdf_reader`` fixture (tests/conftest.py) hands tests a ``PdfReader``; ``make test``
installs ``poppler-utils`` and ``zbar-tools``, so a missing tool is a failure, not a skip.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@dataclass
class PdfReader:
    folder: Path

    def _file(self, data: bytes) -> Path:
        handle, name = tempfile.mkstemp(suffix=".pdf", dir=self.folder)
        with open(handle, "wb") as file:
            file.write(data)
        return Path(name)

    def text(self, data: bytes, *, layout: bool = True) -> str:
        """What ``pdftotext`` extracts (what copy-and-paste or a screen reader gets)."""
        return _run("pdftotext", *(["-layout"] if layout else []), str(self._file(data)), "-")

    def text_of_half(self, data: bytes, side: str) -> str:
        """The text of the left or right half of page 1 (a two-language certificate prints
        one language in each), cropped as ``pdftotext -x -y -W -H`` does at 72 dpi."""
        width, height = self.page_size_points(data)
        left = 0 if side == "left" else width // 2
        return _run("pdftotext", "-layout", "-f", "1", "-l", "1", "-r", "72", "-x", str(left),
                    "-y", "0", "-W", str(width // 2), "-H", str(height),
                    str(self._file(data)), "-")

    def info(self, data: bytes) -> dict[str, str]:
        """``pdfinfo`` as a dict (``Pages``, ``Page size``, ...)."""
        lines = _run("pdfinfo", str(self._file(data))).splitlines()
        return {key.strip(): value.strip()
                for key, _, value in (line.partition(":") for line in lines)}

    def page_count(self, data: bytes) -> int:
        return int(self.info(data)["Pages"])

    def page_size_points(self, data: bytes) -> tuple[int, int]:
        width, height = re.match(r"([\d.]+) x ([\d.]+)", self.info(data)["Page size"]).groups()
        return round(float(width)), round(float(height))

    def qr_codes(self, data: bytes, *, page: int = 1) -> list[str]:
        """The QR codes zbar finds on ``page`` rasterised at 150 dpi, as a phone would see it."""
        pdf = self._file(data)
        prefix = pdf.with_suffix("")
        _run("pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), "-singlefile",
             str(pdf), str(prefix))
        result = subprocess.run(["zbarimg", "--quiet", "--raw", f"{prefix}.png"],
                                capture_output=True, text=True)
        if result.returncode == 4:  # zbar: no symbol found
            return []
        result.check_returncode()
        return result.stdout.splitlines()
