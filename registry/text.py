"""Text as it is stored: whatever arrives (a form, a spreadsheet, a command) is NFC-normalised
and loses the characters that only ever cause harm in a register of names - control
characters (a NUL, a bell, an escape) and the invisible bidirectional overrides that can make
"Ali" display as "ilA" ("Trojan Source"). Joiners (U+200C, U+200D) stay: some scripts need them.
"""
from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (tab and line breaks are handled by the caller's choice) and the bidi
# embedding/override/isolate marks plus LRM/RLM/ALM.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u061c"
                       "\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def clean_text(value, *, multiline: bool = False):
    """``value`` NFC-normalised without control or bidi-override characters. Single-line text
    also turns tabs and line breaks into spaces; multi-line text keeps ``\\n``. Anything that
    is not a string is returned unchanged."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value)
    text = _LINE_BREAKS.sub("\n", text)
    if multiline:
        text = text.replace("\t", " ")
    else:
        text = text.replace("\t", " ").replace("\n", " ")
    return _UNWANTED.sub("", text)


MAX_SEARCH_WORDS = 8
MAX_SEARCH_CHARS = 200


def search_words(term: str | None) -> list[str]:
    """The words of a search box worth searching for: at most 8 of them from the first 200
    characters (a pasted page of text must not become a thousand-clause query)."""
    return clean_text(term or "")[:MAX_SEARCH_CHARS].split()[:MAX_SEARCH_WORDS]


def strip_unsafe(value):
    """NFC without control or bidi-override characters, line breaks and tabs kept: what every
    query argument and form value gets before any code sees it."""
    if not isinstance(value, str):
        return value
    return _UNWANTED.sub("", unicodedata.normalize("NFC", value))


def clean_request_class():
    """Flask's request class whose query arguments and form values are cleaned on arrival:
    a NUL byte or a bidi override typed into a search box never reaches a query (PostgreSQL
    refuses NUL). Form fields clean further (``registry.forms``)."""
    from flask import Request
    from werkzeug.datastructures import ImmutableMultiDict

    class CleanParameters(ImmutableMultiDict):
        def __init__(self, mapping=None):
            if mapping is not None and not hasattr(mapping, "keys"):
                mapping = [(strip_unsafe(key), strip_unsafe(value)) for key, value in mapping]
            super().__init__(mapping)

    class RegistryRequest(Request):
        parameter_storage_class = CleanParameters

    return RegistryRequest


# A participant's e-mail address: one "@", a dot in the domain, no spaces. Deliberately loose
# (no DNS, no RFC grammar): agencies run closed networks with local domains.


MAX_EMAIL_CHARS = 254


def looks_like_email(value: str | None) -> bool:
    """Whether ``value`` has the shape of an e-mail address (the one rule for participants,
    typed in a form or read from an imported list): at most 254 characters, no spaces, one
    ``@`` with something before it and a dotted name after it (``x.y``).

    Checked by hand in one pass: the regular expression it replaces backtracked
    quadratically on ``a@`` followed by many dots (12 ms a cell, 20 s for one import).
    """
    if not value or len(value) > MAX_EMAIL_CHARS or any(ch.isspace() for ch in value):
        return False
    local, _at, domain = value.partition("@")
    return bool(local) and "@" not in domain and "." in domain[1:-1]
