from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from registry.database import TimestampMixin, UTCTimestamp
from registry.extensions import db

ROLES = ("admin", "official", "trainer")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, TimestampMixin, db.Model):
    """A member of staff. The session token changes with the password, ending other sessions."""

    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'official', 'trainer')", name="role"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    locale: Mapped[str | None] = mapped_column(String(10))
    session_token: Mapped[str] = mapped_column(
        String(64), default=new_session_token, unique=True, nullable=False
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    # Failed sign-ins in the current window, when that window began, and a lock that follows
    # too many of them (see auth.services.authenticate).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    failed_logins_since: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    locked_until: Mapped[datetime | None] = mapped_column(UTCTimestamp())

    # Flask-Login asks for ``is_active``; ours is stored as ``active``.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.active)

    def get_id(self) -> str:
        return self.session_token

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:  # pragma: no cover
        return f"<User {self.email} {self.role}>"
