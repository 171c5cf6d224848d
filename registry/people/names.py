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


# --- the Latin form printed on a certificate's English half ---------------------------------
# Not the matching form above: this one is read by people, so it keeps case and follows the
# national rules of the script the name is written in. Uzbek (Cyrillic to the 1995 Latin
# alphabet: ў→oʻ, ғ→gʻ, қ→q, ҳ→h, х→x, ш→sh, ч→ch, ё→yo, ю→yu, я→ya, ц→s/ts, ъ→ʼ);
# Mongolian (ө→ö, ү→ü, х→kh, ж→j, as the national standard MNS 5217 writes them);
# Russian (ICAO 9303, the passport rules: ж→zh, х→kh, ц→ts, щ→shch, ю→iu, я→ia, й→i).
_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "з": "z", "и": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "ч": "ch", "ш": "sh", "ы": "y", "ь": "", "э": "e",
}
_PRINT_TABLES = {
    "uz": {**_COMMON, "е": "e", "ё": "yo", "ж": "j", "й": "y", "х": "x", "ц": "ts",
           "щ": "sh", "ъ": "\u02bc", "ю": "yu", "я": "ya", "ў": "o\u02bb", "қ": "q",
           "ғ": "g\u02bb", "ҳ": "h"},
    "mn": {**_COMMON, "е": "ye", "ё": "yo", "ж": "j", "й": "i", "х": "kh", "ц": "ts",
           "щ": "shch", "ъ": "i", "ю": "yu", "я": "ya", "ө": "ö", "ү": "ü"},
    "ru": {**_COMMON, "е": "e", "ё": "e", "ж": "zh", "й": "i", "х": "kh", "ц": "ts",
           "щ": "shch", "ъ": "ie", "ю": "iu", "я": "ia"},
}
_UZBEK_LETTERS = set("ўқғҳЎҚҒҲ")
_MONGOLIAN_LETTERS = set("өүӨҮ")
_UZBEK_VOWELS = set("аеёиоуўэюяъь")
_WORD_START_YE = {"uz": "ye", "mn": "ye", "ru": "e"}  # "Евгений" → Uzbek "Yevgeniy"


def is_latin(name: str | None) -> bool:
    """True when every letter of ``name`` is a Latin letter (accents allowed: Vietnamese)."""
    # Modifier letters (the Uzbek ʻ of oʻ and gʻ) belong to whatever script they follow.
    return all(not ch.isalpha() or unicodedata.category(ch) == "Lm"
               or "LATIN" in unicodedata.name(ch, "") for ch in name or "")


def _print_language(name: str, language: str | None) -> str:
    """Which rules write ``name``: its own letters tell first, then the language given."""
    letters = set(name)
    if letters & _UZBEK_LETTERS:
        return "uz"
    if letters & _MONGOLIAN_LETTERS:
        return "mn"
    language = (language or "").split("_")[0].split("-")[0]
    return language if language in _PRINT_TABLES else "ru"


def latin_form(name: str | None, language: str | None = None) -> str:
    """``name`` in Latin letters, to print where only Latin letters may stand (the English
    half of a certificate): a name already in Latin letters is returned as it is; a
    Cyrillic one is transliterated by the rules of its script - Uzbek or Mongolian when it
    holds their own letters, else ``language`` (the seminar's), else Russian. Case is kept:
    "ШУХРАТ" → "SHUKHRAT", "Шухрат" → "Shukhrat"."""
    name = clean_name(name)
    if is_latin(name):
        return name
    rules = _print_language(name, language)
    table = _PRINT_TABLES[rules]
    out = []
    for index, ch in enumerate(name):
        lower = ch.lower()
        start = index == 0 or not name[index - 1].isalpha()
        # е is "ye" at the start of a word, and in Uzbek after a vowel too ("Abdullayev").
        after_vowel = rules == "uz" and not start and name[index - 1].lower() in _UZBEK_VOWELS
        latin = (_WORD_START_YE[rules] if lower == "е" and (start or after_vowel)
                 else table.get(lower))
        if latin is None:  # not Cyrillic: a space, hyphen or Latin letter stays as it is
            out.append(ch)
            continue
        if ch != lower and latin:  # a capital: "Ш" → "Sh", or "SH" inside a word in capitals
            following = name[index + 1:index + 2]
            latin = latin.upper() if following.isupper() else latin[0].upper() + latin[1:]
        out.append(latin)
    return clean_name("".join(out))


def printed_latin_name(name: str | None, latin_name: str | None,
                       language: str | None = None) -> str:
    """The Latin form a certificate prints: the recorded one, else one derived from
    ``name`` by ``latin_form``."""
    return clean_name(latin_name) or latin_form(name, language)
