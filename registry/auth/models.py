from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from registry.database import TimestampMixin, UTCTimestamp, utcnow
from registry.extensions import db

ROLES = ("admin", "official", "trainer")


class User(UserMixin, TimestampMixin, db.Model):
    """A member of staff. Signed in through server-side sessions (``UserSession``)."""

    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'official', 'trainer')", name="role"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        # An administrator always sees the whole register (``registry.auth.scope``).
        CheckConstraint("role <> 'admin' OR region_id IS NULL", name="admin_not_scoped"),
        Index("ix_user_region_id", "region_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # The name in matching form (``people.names.search_key``), kept on every save.
    search_name: Mapped[str] = mapped_column(String(250), default="", nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    # A regional office's account: the region (with everything below it) this official or
    # trainer works within; None is the whole country (``registry.auth.scope``).
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    region = relationship("Region")

    # The key of the server-side session this object was loaded through (not a column): what
    # Flask-Login keeps in the cookie. Set by ``auth.sessions``.
    session_key = None

    # Flask-Login asks for ``is_active``; ours is stored as ``active``.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.active)

    def get_id(self) -> str | None:
        return self.session_key

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:  # pragma: no cover
        return f"<User {self.email} {self.role}>"


def new_session_key() -> str:
    return secrets.token_urlsafe(32)


def session_key_digest(key: str) -> str:
    """What the database keeps of a session key: a copy of the table opens no session."""
    return hashlib.sha256(key.encode()).hexdigest()


class UserSession(db.Model):
    """One signed-in browser. The cookie carries only a random key whose digest is stored
    here, so signing out ends this record and a copied cookie stops working (M6)."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_digest: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCTimestamp(), default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCTimestamp(), default=utcnow,
                                                   nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    # signed_out | signed_out_everywhere | password_changed | deactivated | idle
    end_reason: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    user_agent: Mapped[str] = mapped_column(String(200), default="", nullable=False)

    user: Mapped[User] = relationship()


class SignInThrottle(db.Model):
    """Failed attempts of one kind (``sign_in`` or ``password_change``) for one account name
    from one client address. Counted before the password is checked, atomically, and
    refusing further attempts from that address only - so that it can neither be outrun by
    parallel guesses (M4) nor used to keep the real user out from elsewhere (M7). Rows exist
    for unknown e-mails too: the work is the same whether the account exists or not (L1)."""

    __tablename__ = "sign_in_throttle"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    account: Mapped[str] = mapped_column(String(254), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(nullable=False)
    window_started_at: Mapped[datetime] = mapped_column(UTCTimestamp(), nullable=False)
    refused_until: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    # Whether this refusal period has had its one audit event (L11: not one per request).
    refusal_recorded: Mapped[bool] = mapped_column(default=False, nullable=False)


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_search_name(_mapper, _connection, user: User) -> None:
    from registry.people.names import search_key

    user.search_name = search_key(user.name)
