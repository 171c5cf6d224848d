"""Which characters of a certificate no font on it can print.

Pango quietly draws a box (“tofu”) for a character none of the fonts has, and the paper
certificate is wrong without anyone noticing. So before anything is rendered, every text
of every certificate is checked against the character maps of the certificate's font stack
(the families named in ``static/css/certificate.css``). Plain data in, a list out.
"""
from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# The families of static/css/certificate.css, in its order.
CERTIFICATE_FONT_FAMILIES = ("Noto Serif", "Noto Sans", "DejaVu Serif", "DejaVu Sans")

# The texts of a PrintedCertificate that are printed, with the label used in messages.
CHECKED_FIELDS = ("holder_name", "holder_latin_name", "course_title", "standards",
                  "issuer_name")


@dataclass(frozen=True)
class MissingGlyph:
    """``character`` in ``field`` of the certificate of ``who`` has no glyph in any font."""

    who: str
    field: str
    character: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.character):04X}"


def _font_file(family: str) -> str | None:
    """The regular face of ``family`` as fontconfig resolves it (``None`` if not installed:
    fontconfig would otherwise answer with a stand-in of another family)."""
    try:
        answer = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", f"{family}:style=Regular"],
                                capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, path = answer.partition("\n")
    return path if family in families.split(",") else None


@lru_cache(maxsize=1)
def covered_characters() -> frozenset[int]:
    """Every code point at least one font of the certificate stack can draw."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for family in CERTIFICATE_FONT_FAMILIES:
        path = _font_file(family)
        if path:
            with TTFont(path, lazy=True) as font:
                covered.update(font["cmap"].getBestCmap() or {})
    return frozenset(covered)


def _needs_glyph(character: str) -> bool:
    # Spaces, joiners and other format characters are not drawn; they need no glyph.
    return not character.isspace() and unicodedata.category(character) not in ("Cc", "Cf")


def _texts(document):
    for field in CHECKED_FIELDS:
        yield field, getattr(document, field) or ""
    for text in getattr(document, "texts", ()):
        yield "course_title", text.course_title
        yield "standards", text.standards
        yield "issuer_name", text.issuer_name
        yield "place", text.place
    for signatory in document.signatories:
        titles = " ".join(title for _language, title in getattr(signatory, "titles", ()))
        yield "signatories", f"{signatory.name} {signatory.title} {titles}"


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` that no certificate font can draw, each once, in order -
    the print preflight's rule, also asked where a name is entered (a warning there)."""
    covered = covered_characters()
    found: list[str] = []
    for character in unicodedata.normalize("NFC", text or ""):
        if character not in found and _needs_glyph(character) and ord(character) not in covered:
            found.append(character)
    return found


def unprintable_in_names(name: str | None, latin_name: str | None = None) -> list[str]:
    """What ``unprintable`` finds in a holder's name and its Latin form - where a person is
    entered and where a certificate is re-issued, one rule."""
    return unprintable(f"{name or ''} {latin_name or ''}")


def describe(characters: list[str]) -> str:
    """“李” (U+674E), “😀” (U+1F600): the characters as a message names them."""
    return ", ".join(f"“{character}” (U+{ord(character):04X})" for character in characters)


def missing_glyphs(documents) -> list[MissingGlyph]:
    """One entry per certificate, field and unprintable character, in document order."""
    missing: list[MissingGlyph] = []
    for document in documents:
        for field, text in _texts(document):
            for character in unprintable(text):
                missing.append(MissingGlyph(document.holder_name, field, character))
    return missing
