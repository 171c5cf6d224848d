"""What a staff password must be: at least 12 characters, not a common password (L10).

The list of common passwords is the 30,000-entry ``passwords`` frequency list that ships with
the ``zxcvbn`` package (Dropbox's zxcvbn, Python port by Daniel Wolf; MIT licence; pinned in
requirements.txt). It is compiled from leaked-password corpora and ranked by frequency, so
it is the list an attacker's guessing starts with. It is read once per process, from the
installed package: nothing is downloaded.
"""
from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l

from registry.errors import DomainError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
# "aaaaaaaaaaaa" and "121212121212" are long and on no list, but guessed at once.
MIN_DISTINCT_CHARACTERS = 5


@cache
def common_passwords() -> frozenset[str]:
    # Imported when first needed: the module holds several 30,000-word lists (~10 MB) that
    # only setting a password needs, not every worker that serves pages.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str):
    """Why this password is refused (a translatable message), or ``None`` when it is fine."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("The password may have at most %(n)s characters.", n=MAX_PASSWORD_LENGTH)
    if password.lower() in common_passwords():
        return _l("This password is on a list of common passwords that attackers try first. "
                  "Choose another one.")
    if len(set(password.lower())) < MIN_DISTINCT_CHARACTERS:
        return _l("The password repeats too few different characters. Choose a less regular "
                  "one.")
    return None


def check_password_strength(password: str, *, field: str = "password") -> None:
    """Raise a ``DomainError`` on ``field`` saying why the password is refused."""
    problem = password_problem(password)
    if problem is not None:
        raise DomainError(problem, field=field)
