"""One rule for every search box that looks for people, holders, seminars or trainers: each
word typed must match, either in its matching form inside a stored search key (the same form
as ``people.names.search_key``: Latin letters, case and diacritics folded - so "Дилфуза",
"dilfuza" and "Dilfuza" find the same holder, on SQLite too, whose LIKE folds ASCII only) or
as typed inside a plain column (a number, an email, an organization's name)."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import or_

from registry.people.names import search_key
from registry.text import search_words


def key_contains(column) -> Callable:
    """A key condition: the word's matching form is inside ``column`` (a stored key)."""
    return lambda key: column.contains(key, autoescape=True)


def every_word(term: str | None, *, keys: Iterable[Callable] = (),
               plain: Iterable = ()) -> list:
    """One condition per word of ``term`` (``query.where(*every_word(...))``): the word's key
    satisfies one of ``keys`` (callables from a key to a condition, see ``key_contains``),
    or the word as typed is inside one of the ``plain`` columns, ignoring ASCII case."""
    keys, plain = list(keys), list(plain)
    conditions = []
    for word in search_words(term):
        # The word's own % and _ are escaped: "50%" looks for "50%", not for "50".
        alternatives = [column.icontains(word, autoescape=True) for column in plain]
        key = search_key(word)
        if key:
            alternatives.extend(condition(key) for condition in keys)
        if alternatives:
            conditions.append(or_(*alternatives))
    return conditions

