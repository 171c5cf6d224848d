"""Names as people write them.

A name is stored exactly as typed - NFC-normalised, trimmed, inner runs of spaces folded -
and never re-cased: ``str.title()`` would turn "gʻulomov" into "GʻUlomov". Uzbek Latin writes
the oʻ/gʻ letters with a turned comma (U+02BB), but keyboards give ʻ ‘ ' ` or ’; all of them
after o/g/O/G become U+02BB so that one person is not two.

``search_key`` is a separate, case-folded and accent-free form used only for matching.
"""
from __future__ import annotations

import re
import unicodedata

OKINA = "\u02bb"  # ʻ MODIFIER LETTER TURNED COMMA, the Uzbek Latin oʻ/gʻ mark
_APOSTROPHE_VARIANTS = "\u02bb\u2018\u2019'`\u02bc\u00b4"
_UZBEK_MARK = re.compile(rf"(?<=[oOgG])[{re.escape(_APOSTROPHE_VARIANTS)}]")
_SPACES = re.compile(r"\s+")


def clean_name(raw: str | None) -> str:
    """The stored form of a typed name: NFC, trimmed, single spaces, Uzbek oʻ/gʻ unified."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFC", raw)
    text = _SPACES.sub(" ", text).strip()
    return _UZBEK_MARK.sub(OKINA, text)


def search_key(name: str | None) -> str:
    """A matching form: case-folded, without diacritics or apostrophes, words sorted.

    Sorting the words makes "Karimova Dilnoza" and "Dilnoza Karimova" the same person for
    duplicate detection; the stored name keeps the order it was written in.
    """
    text = clean_name(name).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    # Keep Cyrillic letters that are distinct letters (ў, қ, ғ, ҳ, ө, ү are not decomposable),
    # drop combining marks (Vietnamese tones, Latin accents) and apostrophes.
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = re.sub(rf"[{re.escape(_APOSTROPHE_VARIANTS)}\-.,]", "", stripped)
    stripped = stripped.replace("đ", "d")
    words = sorted(word for word in stripped.split() if word)
    return " ".join(words)


def surname_key(name: str | None) -> set[str]:
    """Each word of a name in matching form (for "number + surname" look-ups)."""
    return set(search_key(name).split())
