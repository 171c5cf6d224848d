"""Server-side sign-in sessions.

The session cookie carries a random key; the database keeps its SHA-256 digest with the user,
when it was last used and whether it has ended. Signing out ends that one record (other
devices stay signed in), "sign out everywhere" ends all of a user's records, a password
change ends the others, deactivation ends all, and a session unused for
``SESSION_IDLE_MINUTES`` (8 hours by default) is no longer accepted. A cookie copied before
any of these stops working (M6).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, g
from sqlalchemy import select, update

from registry.auth.models import User, UserSession, new_session_key, session_key_digest
from registry.database import utcnow, write_intent
from registry.extensions import db

# last_seen_at is written at most this often per session: a page view is not a write.
TOUCH_INTERVAL = timedelta(minutes=1)


def idle_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))


def start_session(user: User, *, address: str = "", user_agent: str = "") -> str:
    """Open a session for ``user`` and return its key (what the cookie carries). Flushes."""
    key = new_session_key()
    db.session.add(UserSession(key_digest=session_key_digest(key), user=user,
                               address=(address or "")[:64],
                               user_agent=(user_agent or "")[:200]))
    db.session.flush()
    user.session_key = key
    return key


def user_for_key(key: str) -> User | None:
    """The user of a live session with this key, or ``None`` when it ended or went idle."""
    if not key:
        return None
    row = db.session.execute(
        select(UserSession, User).join(User, UserSession.user_id == User.id)
        .where(UserSession.key_digest == session_key_digest(key),
               UserSession.ended_at.is_(None))).first()
    if row is None:
        return None
    user_session, user = row
    now = utcnow()
    if now - user_session.last_seen_at > idle_limit():
        return None
    if now - user_session.last_seen_at > TOUCH_INTERVAL:
        g._registry_touch_session = user_session.id  # written after the request (touch_later)
    g._registry_user_session_id = user_session.id
    user.session_key = key
    return user


def touch_later() -> None:
    """After the request: note that the session was used, in a short transaction of its own
    (a page view's read transaction must not turn into a writer, which SQLite may refuse)."""
    session_id = g.pop("_registry_touch_session", None)
    if session_id is None:
        return
    with write_intent(), db.engine.begin() as connection:
        connection.execute(update(UserSession)
                           .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                           .values(last_seen_at=utcnow()))


def current_session_id() -> int | None:
    return g.get("_registry_user_session_id")


def end_session(session_id: int | None, reason: str) -> None:
    """End one session (signing out on this device). Flushes."""
    if session_id is None:
        return
    db.session.execute(update(UserSession)
                       .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                       .values(ended_at=utcnow(), end_reason=reason))


def end_sessions_of(user: User, reason: str, *, keep: int | None = None) -> int:
    """End every live session of ``user`` (but ``keep``); how many were ended."""
    query = update(UserSession).where(UserSession.user_id == user.id,
                                      UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return db.session.execute(query.values(ended_at=utcnow(), end_reason=reason)).rowcount


def live_sessions_of(user: User) -> list[UserSession]:
    """The user's sessions still accepted (not ended, not idle), most recently used first."""
    since = utcnow() - idle_limit()
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.last_seen_at > since)
        .order_by(UserSession.last_seen_at.desc())))
