"""The message catalogues: extracting, updating, checking and compiling them.

``registry/translations/messages.pot`` holds every user-facing string (from ``registry/`` and
``templates/``); each language has ``registry/translations/<locale>/LC_MESSAGES/messages.po``.
English is the source language: its catalogue repeats each string, so that the completeness
check treats every language alike. Compiled ``.mo`` files are built by ``make run``/``make
test`` (``flask translations compile``) and never committed.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "registry" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LOCALES = ("en", "ru", "uz", "uz_Cyrl", "mn", "vi")
SOURCE_LOCALE = "en"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3)}


def catalogue_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _read(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as file:
        return read_po(file)


def _write(catalogue, path: Path, **options) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalogue, width=100, **options)


def extract():
    """A fresh template catalogue from the code and the templates."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalogue = Catalog(project="Registry", charset="utf-8")
    sources = {"registry": ([("**.py", "python")], {}),
               "templates": ([("**.html", "jinja2")],
                             {"**.html": {"extensions": "jinja2.ext.i18n"}})}
    for directory, (method_map, options_map) in sources.items():
        for filename, lineno, message, comments, context in extract_from_dir(
                ROOT / directory, method_map=method_map, options_map=options_map,
                keywords=KEYWORDS):
            catalogue.add(message, None, [(f"{directory}/{filename}", lineno)],
                          auto_comments=comments, context=context)
    return catalogue


def update() -> dict[str, int]:
    """Write the template, bring every catalogue up to date with it (new strings empty, none
    fuzzy-guessed), fill the English one. Returns the number of untranslated strings by locale."""
    from babel.messages.catalog import Catalog

    template = extract()
    _write(template, TEMPLATE, omit_header=False, sort_output=True, no_location=True)
    missing = {}
    for locale in LOCALES:
        path = catalogue_path(locale)
        catalogue = _read(path) if path.is_file() else Catalog(locale=locale, charset="utf-8",
                                                                     project="Registry")
        # A copy each time: ``update`` shares the template's message objects with the catalogue.
        catalogue.update(copy.deepcopy(template), no_fuzzy_matching=True,
                         update_header_comment=False)
        catalogue.obsolete.clear()
        if locale == SOURCE_LOCALE:
            for message in catalogue:
                if message.id:
                    message.string = message.id
        _write(catalogue, path, sort_output=True, no_location=True, ignore_obsolete=True)
        missing[locale] = len(problems(locale))
    return missing


@dataclass(frozen=True)
class Problem:
    locale: str
    message_id: str
    kind: str  # "missing", "fuzzy", "untranslated", "placeholders"


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"%\((\w+)\)[sd]", text or ""))


def problems(locale: str) -> list[Problem]:
    """What keeps ``locale``'s catalogue from being complete: strings of the template it lacks,
    empty or fuzzy translations, and translations whose ``%(name)s`` placeholders differ."""
    template = _read(TEMPLATE)
    path = catalogue_path(locale)
    if not path.is_file():
        return [Problem(locale, "", "missing")]
    catalogue = _read(path)
    found = []
    for expected in template:
        if not expected.id:
            continue
        key = expected.id[0] if isinstance(expected.id, tuple) else expected.id
        message = catalogue.get(expected.id, context=expected.context)
        if message is None:
            found.append(Problem(locale, key, "missing"))
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(Problem(locale, key, "fuzzy"))
        elif not all(strings):
            found.append(Problem(locale, key, "untranslated"))
        else:
            ids = expected.id if isinstance(expected.id, tuple) else (expected.id,)
            wanted = set().union(*(_placeholders(i) for i in ids))
            if any(_placeholders(s) - wanted for s in strings) or not _placeholders(
                    strings[0]) >= _placeholders(ids[0]) - {"num"}:
                found.append(Problem(locale, key, "placeholders"))
    return found


def compile_all() -> None:
    """Compile every catalogue to the ``.mo`` file Flask-Babel reads."""
    from babel.messages.mofile import write_mo

    for locale in LOCALES:
        path = catalogue_path(locale)
        if path.is_file():
            with path.with_suffix(".mo").open("wb") as file:
                write_mo(file, _read(path))
