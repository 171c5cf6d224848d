"""The pieces that name a certificate: the printed number ``PREFIX-YYYY-NNNNN`` (gapless per
prefix and year), the random public code of the QR link, the random slot in the status list,
and the validity arithmetic.

The serial comes from a counter row per prefix and year, advanced by one upsert inside the
issuing transaction - concurrent issuers queue on that row, and a rolled-back issuance gives
its serials back, so the numbers stay gapless.
"""
from __future__ import annotations

import secrets
from calendar import monthrange
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.certificates import status_list
from registry.certificates.models import Certificate, CertificateNumberCounter
from registry.database import advance_counter
from registry.errors import DomainError
from registry.extensions import db

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_CODE_LENGTH = 26  # 26 × 5 = 130 random bits
_CROCKFORD_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_public_code() -> str:
    """A random public code of 130 bits in Crockford Base32 (no I, L, O, U)."""
    value = secrets.randbits(PUBLIC_CODE_LENGTH * 5)
    digits = []
    for _ in range(PUBLIC_CODE_LENGTH):
        value, digit = divmod(value, 32)
        digits.append(CROCKFORD_ALPHABET[digit])
    return "".join(reversed(digits))


# Random draws before giving up: at half the list in use, 40 draws all miss one time in 10^12.
STATUS_INDEX_ATTEMPTS = 40


def new_status_index() -> int:
    """A random free slot of the status list for a new revision (random, so an index tells
    nothing about when or how many were issued). A slot in use is drawn again - committed,
    or pending in this transaction (the look-up flushes the revisions of a batch already
    made). Two transactions drawing the same free slot at the same moment (one chance in
    131,072 per pair) meet the unique constraint: the later one fails whole and nothing is
    half-issued.

    The list should grow (``status_list.SIZE``) long before it is half full."""
    for _attempt in range(STATUS_INDEX_ATTEMPTS):
        index = secrets.randbelow(status_list.SIZE)
        used = db.session.scalar(select(Certificate.id).where(Certificate.status_index == index)
                                 .limit(1))
        if used is None:
            return index
    raise DomainError(_l("The status list has no free place left: the administrator must "
                         "enlarge it before more certificates are issued."))


def normalise_public_code(text: str | None) -> str | None:
    """The stored form of a code typed or scanned: case-insensitive, hyphens and spaces
    ignored, I/L read as 1 and O as 0. ``None`` when it cannot be a code at all."""
    if not text:
        return None
    code = "".join(text.split()).replace("-", "").upper().translate(_CROCKFORD_ALIASES)
    if len(code) != PUBLIC_CODE_LENGTH or any(ch not in CROCKFORD_ALPHABET for ch in code):
        return None
    return code


def format_number(prefix: str, year: int, serial: int) -> str:
    return f"{prefix}-{year}-{serial:05d}"


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def next_serials(prefix: str, year: int, count: int = 1) -> range:
    """Reserve ``count`` consecutive serials for ``prefix`` and ``year`` in this transaction.

    One upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``) advances the counter row,
    which the database locks until the transaction ends: a concurrent issuer waits, then
    continues after the last serial taken; a rollback returns the serials.
    """
    table = CertificateNumberCounter.__table__
    (last,) = advance_counter(db.session, table, {"prefix": prefix, "year": year}, {"last_serial": count},
                              [table.c.last_serial])
    return range(last - count + 1, last + 1)
