"""Throttling password guesses per account name *and* client address.

Five failed attempts within 15 minutes from one address, for one account name, refuse further
attempts from that address for 15 minutes ("refused until T", HTTP 429 with Retry-After) -
never a sleeping worker, and never a lock of the account itself: the real user signs in from
another address while an attacker's address is refused (M7). The same rule guards the
current password on the password-change form (L9).

Each attempt is counted *before* its password is checked, in one atomic
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` that is committed at once: twenty
simultaneous guesses count as twenty on PostgreSQL, and only the first five are checked at
all (M4). The commit is the one deliberate exception to "services never commit": the count
must be visible to the parallel requests while this one spends ~100 ms hashing, and no row
lock may be held meanwhile.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from registry.auth.models import SignInThrottle
from registry.database import UTCTimestamp, utcnow
from registry.extensions import db

SIGN_IN = "sign_in"
PASSWORD_CHANGE = "password_change"
MAX_ATTEMPTS = 5
WINDOW = timedelta(minutes=15)
REFUSAL = timedelta(minutes=15)


@dataclass(frozen=True)
class Attempt:
    """What counting one attempt decided: checked, or refused until ``refused_until``."""

    admitted: bool
    refused_until: datetime | None


def normalise_account(account: str) -> str:
    return (account or "").strip().lower()[:254]


def count_attempt(kind: str, account: str, address: str, *,
                  on_first_refusal: Callable[[datetime], None]) -> Attempt:
    """Count one attempt for (kind, account, address) and commit the count at once.

    Admitted while the window holds at most ``MAX_ATTEMPTS`` attempts; the attempt after them
    opens a refusal period of ``REFUSAL``. A window or refusal that has run out starts afresh.
    ``on_first_refusal(until)`` runs once per refusal period, inside the same commit - where
    the caller writes its audit event (L11: one per period, not one per request).
    """
    table = SignInThrottle.__table__
    now = utcnow()
    key = _key(kind, account, address)
    ts = UTCTimestamp()
    now_value = _timestamp(now, ts)
    stale = and_(table.c.window_started_at <= _timestamp(now - WINDOW, ts),
                 or_(table.c.refused_until.is_(None), table.c.refused_until <= now_value))
    attempts = case((stale, 1), else_=table.c.attempts + 1)
    still_refused = and_(table.c.refused_until.is_not(None), table.c.refused_until > now_value)
    opens_refusal = and_(~stale, ~still_refused, table.c.attempts + 1 > MAX_ATTEMPTS)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table).values(**key, attempts=1, window_started_at=now, refused_until=None,
                             refusal_recorded=False)
        .on_conflict_do_update(index_elements=list(key), set_={
            "attempts": attempts,
            "window_started_at": case((stale, now_value), else_=table.c.window_started_at),
            "refused_until": case((stale, None),
                                  (opens_refusal, _timestamp(now + REFUSAL, ts)),
                                  else_=table.c.refused_until),
            "refusal_recorded": case((or_(stale, opens_refusal), False),
                                     else_=table.c.refusal_recorded),
        })
        .returning(table.c.attempts, table.c.refused_until, table.c.refusal_recorded)
    )
    row = db.session.execute(statement).one()
    first_refusal = False
    if row.refused_until is not None and not row.refusal_recorded:
        # One attempt per refusal period claims the audit event (L11); the others see it taken.
        first_refusal = db.session.execute(
            update(table).where(*_matches(key), table.c.refusal_recorded.is_(False))
            .values(refusal_recorded=True)).rowcount == 1
        if first_refusal:
            on_first_refusal(row.refused_until)
    db.session.commit()
    if row.refused_until is not None:
        return Attempt(False, row.refused_until)
    return Attempt(True, None)


def _timestamp(value: datetime, type_: UTCTimestamp):
    """A bound timestamp stored as the columns store theirs (SQLite compares them as text)."""
    return literal(value, type_)


def _key(kind: str, account: str, address: str) -> dict:
    """The row of (kind, account, address), as the columns store it."""
    return {"kind": kind, "account": normalise_account(account), "address": address[:64]}


def _matches(key: dict):
    table = SignInThrottle.__table__
    return [table.c[name] == value for name, value in key.items()]


def clear(kind: str, account: str, address: str) -> None:
    """Forget the attempts of (kind, account, address): the right password was given."""
    key = _key(kind, account, address)
    db.session.execute(delete(SignInThrottle).where(*_matches(key)))


def refusals_for(account: str) -> list[SignInThrottle]:
    """The addresses refused right now for this account name, any kind (for the admin)."""
    now = utcnow()
    return list(db.session.scalars(
        select(SignInThrottle)
        .where(SignInThrottle.account == normalise_account(account),
               SignInThrottle.refused_until > now)
        .order_by(SignInThrottle.refused_until.desc())))


def clear_account(account: str) -> int:
    """Lift every refusal and count for this account name; how many addresses were refused."""
    refused = len(refusals_for(account))
    db.session.execute(delete(SignInThrottle)
                       .where(SignInThrottle.account == normalise_account(account)))
    return refused
