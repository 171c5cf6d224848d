"""Staff accounts: create, change, deactivate, reset passwords, authenticate."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.audit.services import record, save_with_audit
from registry.auth.models import ROLES, User
from registry.database import utcnow
from registry.errors import Conflict, DomainError
from registry.extensions import db

MIN_PASSWORD_LENGTH = 10


def _check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )


def _email_taken(email: str, *, except_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == email)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def create_user(*, email: str, name: str, role: str, password: str, locale: str | None = None,
                created_by: User | None) -> User:
    """Create a staff account. Email is case-insensitive and unique; role must be known."""
    email = email.strip().lower()
    if role not in ROLES:
        raise DomainError(_l("Unknown role."), field="role")
    _check_password_strength(password)
    if _email_taken(email):
        raise Conflict(_l("A user with this email already exists."), field="email")
    user = User(email=email, name=name.strip(), role=role, locale=locale or None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(created_by, "user.create", user, summary=f"{user.email} ({role})",
           details={"role": role, "email": email})
    return user


def update_user(user: User, *, email: str, name: str, role: str, locale: str | None,
                updated_by: User) -> User:
    """Change a user's details and role. An admin cannot take away their own admin role."""
    email = email.strip().lower()
    if role not in ROLES:
        raise DomainError(_l("Unknown role."), field="role")
    if user.id == updated_by.id and role != "admin" and user.role == "admin":
        raise DomainError(_l("You cannot remove your own administrator role."), field="role")
    if _email_taken(email, except_id=user.id):
        raise Conflict(_l("A user with this email already exists."), field="email")
    user.email, user.name, user.role, user.locale = email, name.strip(), role, locale or None
    save_with_audit(updated_by, "user.update", user, summary=user.email)
    return user


def set_active(user: User, active: bool, *, changed_by: User) -> User:
    """Activate or deactivate an account. Deactivating ends the user's sessions."""
    if user.id == changed_by.id and not active:
        raise DomainError(_l("You cannot deactivate your own account."))
    if not active and user.role == "admin" and _active_admin_count() <= 1:
        raise DomainError(_l("The last active administrator cannot be deactivated."))
    if user.active == active:
        return user
    user.active = active
    if not active:
        from registry.auth.models import new_session_token

        user.session_token = new_session_token()
    save_with_audit(changed_by, "user.activate" if active else "user.deactivate", user,
                    summary=user.email)
    return user


def _active_admin_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    )


def reset_password(user: User, new_password: str, *, changed_by: User) -> User:
    """Set a new password (ends the user's other sessions)."""
    _check_password_strength(new_password)
    user.set_password(new_password)
    save_with_audit(changed_by, "user.password_reset", user, summary=user.email)
    return user


def change_own_password(user: User, current_password: str, new_password: str) -> User:
    """A user changes their own password, proving they know the current one."""
    if not user.check_password(current_password):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    _check_password_strength(new_password)
    user.set_password(new_password)
    save_with_audit(user, "user.password_change", user, summary=user.email)
    return user


LOCKOUT_ATTEMPTS = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)


def _count_failure(user: User, now: datetime) -> None:
    """One more failed sign-in; the fifth within 15 minutes locks the account for 15."""
    since = user.failed_logins_since
    if since is None or now - since > LOCKOUT_WINDOW:
        user.failed_logins, user.failed_logins_since = 0, now
    user.failed_logins += 1
    if user.failed_logins >= LOCKOUT_ATTEMPTS:
        user.locked_until = now + LOCKOUT_DURATION
        user.failed_logins, user.failed_logins_since = 0, None
        record(None, "user.locked", user, summary=user.email,
               details={"attempts": LOCKOUT_ATTEMPTS,
                        "until": user.locked_until.isoformat()})


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or ``None`` - never saying which was wrong.

    A successful sign-in stamps ``last_login_at`` and writes an audit event. Five failures on
    an account within 15 minutes lock it for 15 minutes: while locked even the right password
    gets the same answer as a wrong one (and an audit event). Flushes; the caller commits
    in both cases, so that failures are counted.
    """
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        # Spend the same time as a real check so that timing does not reveal unknown emails.
        _DUMMY_USER.check_password(password or "")
        return None
    now = utcnow()
    password_ok = user.check_password(password or "")
    locked_until = user.locked_until
    if locked_until is not None and locked_until > now:
        record(None, "user.login_while_locked", user, summary=user.email)
        db.session.flush()
        return None
    if not password_ok:
        _count_failure(user, now)
        db.session.flush()
        return None
    if not user.active:
        return None
    user.failed_logins, user.failed_logins_since, user.locked_until = 0, None, None
    user.last_login_at = now
    record(user, "user.login", user, summary=user.email)
    db.session.flush()
    return user


_DUMMY_USER = User(password_hash="scrypt:32768:8:1$0000000000000000$" + "0" * 128)
