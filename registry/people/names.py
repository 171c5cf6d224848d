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

from registry.text import clean_text

OKINA = "\u02bb"  # ʻ MODIFIER LETTER TURNED COMMA, the Uzbek Latin oʻ/gʻ mark
_APOSTROPHE_VARIANTS = "\u02bb\u2018\u2019'`\u02bc\u00b4"
_UZBEK_MARK = re.compile(rf"(?<=[oOgG])[{re.escape(_APOSTROPHE_VARIANTS)}]")
_SPACES = re.compile(r"\s+")


def clean_name(raw: str | None) -> str:
    """The stored form of a typed name: NFC, trimmed, single spaces, Uzbek oʻ/gʻ unified."""
    if raw is None:
        return ""
    text = clean_text(raw)  # NFC, no control or bidi-override characters
    text = _SPACES.sub(" ", text).strip()
    return _UZBEK_MARK.sub(OKINA, text)


# Cyrillic to Latin for matching only - one table for Uzbek (the 1995 national rules: ў→oʻ,
# қ→q, ғ→gʻ, ҳ→h, х→x, ж→j, ц→ts), Mongolian (ө→o, ү→u as names are written in passports)
# and Russian. Where the national rules differ for one letter, the Latin spellings are folded
# together afterwards (kh→x, zh→j), so "Khasanov", "Xasanov" and "Хасанов" meet.
_CYRILLIC_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ў": "o", "қ": "q", "ғ": "g", "ҳ": "h", "ө": "o", "ү": "u", "і": "i", "ї": "i", "є": "e",
    "ң": "ng", "ә": "a", "һ": "h",
})
_LATIN_FOLDS = ((re.compile(r"kh"), "x"), (re.compile(r"zh"), "j"), (re.compile(r"^ye"), "e"),
                (re.compile(r"đ"), "d"))


def _fold_word(word: str) -> str:
    word = word.translate(_CYRILLIC_TO_LATIN)
    for pattern, replacement in _LATIN_FOLDS:
        word = pattern.sub(replacement, word)
    return word


def search_key(name: str | None) -> str:
    """A matching form: case-folded, in Latin letters, without diacritics or apostrophes,
    words sorted.

    Cyrillic is transliterated (Uzbek, Mongolian and Russian rules) and Vietnamese tones and
    other accents dropped, so "Bilguun" finds "Билгүүн", "Nguyen Van An" finds "Nguyễn Văn
    An" and "Oʻrinboy" finds "Ўринбой". Sorting the words makes "Karimova Dilnoza" and
    "Dilnoza Karimova" the same person for duplicate detection; the stored name keeps the
    order it was written in.
    """
    text = clean_name(name).casefold().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    # Cyrillic letters such as ў, й, ё decompose too: put them back together before
    # transliterating; only then drop the marks left on Latin letters (Vietnamese tones).
    recomposed = unicodedata.normalize("NFC", decomposed)
    latin = "".join(_fold_word(word) for word in re.split(r"(\s+)", recomposed))
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", latin)
                       if not unicodedata.combining(ch))
    stripped = re.sub(rf"[{re.escape(_APOSTROPHE_VARIANTS)}\-.,]", "", stripped)
    words = sorted(word for word in stripped.split() if word)
    return " ".join(words)


def surname_key(name: str | None) -> set[str]:
    """Each word of a name in matching form (for "number + surname" look-ups)."""
    return set(search_key(name).split())
