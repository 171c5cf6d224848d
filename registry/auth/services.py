"""Staff accounts: create, change, deactivate, reset passwords, authenticate."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit.services import record, save_with_audit
from registry.auth import sessions, throttle
from registry.auth.models import ROLES, User
from registry.auth.passwords import check_password_strength
from registry.catalog.models import Region
from registry.database import utcnow
from registry.errors import Conflict, DomainError
from registry.extensions import db


def _email_taken(email: str, *, except_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == email)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def _check_scope(role: str, region_id: int | None) -> int | None:
    """A regional office's region for an official or a trainer (``registry.auth.scope``);
    an administrator always works on the whole country."""
    if not region_id:
        return None
    if role == "admin":
        raise DomainError(_l("An administrator works on the whole country: leave the region "
                             "empty, or choose another role."), field="region_id")
    if db.session.get(Region, region_id) is None:
        raise DomainError(_l("Choose an existing region or district."), field="region_id")
    return region_id


def create_user(*, email: str, name: str, role: str, password: str, locale: str | None = None,
                region_id: int | None = None, created_by: User | None) -> User:
    """Create a staff account. Email is case-insensitive and unique; role must be known;
    ``region_id`` makes an official or a trainer a regional office's account."""
    email = email.strip().lower()
    if role not in ROLES:
        raise DomainError(_l("Unknown role."), field="role")
    region_id = _check_scope(role, region_id)
    check_password_strength(password)
    if _email_taken(email):
        raise Conflict(_l("A user with this email already exists."), field="email")
    user = User(email=email, name=name.strip(), role=role, locale=locale or None,
                region_id=region_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(created_by, "user.create", user, summary=f"{user.email} ({role})",
           details={"role": role, "email": email, "region_id": region_id})
    return user


def update_user(user: User, *, email: str, name: str, role: str, locale: str | None,
                region_id: int | None = None, updated_by: User) -> User:
    """Change a user's details, role and region (a regional office's account sees only its
    region from the next page it opens). An admin cannot take away their own admin role."""
    email = email.strip().lower()
    if role not in ROLES:
        raise DomainError(_l("Unknown role."), field="role")
    if user.id == updated_by.id and role != "admin" and user.role == "admin":
        raise DomainError(_l("You cannot remove your own administrator role."), field="role")
    region_id = _check_scope(role, region_id)
    if _email_taken(email, except_id=user.id):
        raise Conflict(_l("A user with this email already exists."), field="email")
    user.email, user.name, user.role, user.locale = email, name.strip(), role, locale or None
    user.region_id = region_id
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
    save_with_audit(changed_by, "user.activate" if active else "user.deactivate", user,
                    summary=user.email)
    # After the audit event: the bulk UPDATE flushes the user first, hiding its changes.
    if not active:
        sessions.end_sessions_of(user, "deactivated")
    return user


def _active_admin_count() -> int:
    """Active administrators, their rows locked until the transaction ends: two admins
    deactivating each other at once take turns, and the second sees one left (L12)."""
    return len(db.session.scalars(
        select(User.id).where(User.role == "admin", User.active.is_(True))
        .with_for_update()).all())


def reset_password(user: User, new_password: str, *, changed_by: User) -> User:
    """Set a new password: ends the user's sessions (but the admin's own, resetting their
    own password)."""
    check_password_strength(new_password)
    user.set_password(new_password)
    save_with_audit(changed_by, "user.password_reset", user, summary=user.email)
    keep = sessions.current_session_id() if user.id == changed_by.id else None
    sessions.end_sessions_of(user, "password_changed", keep=keep)
    return user


def change_own_password(user: User, current_password: str, new_password: str, *,
                        address: str) -> User:
    """A user changes their own password, proving they know the current one.

    Wrong current passwords are throttled per account and address like sign-ins (L9): after
    five, ``SignInRefused``. Ends the user's other sessions; this one stays signed in.
    """
    def audit_refusal(until: datetime) -> None:
        record(user, "user.password_change_refused", user, summary=f"{user.email} from {address}",
               details={"address": address, "until": until.isoformat()})

    attempt = throttle.count_attempt(throttle.PASSWORD_CHANGE, user.email, address,
                                     on_first_refusal=audit_refusal)
    if not attempt.admitted:
        raise SignInRefused(attempt.refused_until, field="current_password")
    if not user.check_password(current_password):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    check_password_strength(new_password)
    throttle.clear(throttle.PASSWORD_CHANGE, user.email, address)
    user.set_password(new_password)
    save_with_audit(user, "user.password_change", user, summary=user.email)
    sessions.end_sessions_of(user, "password_changed", keep=sessions.current_session_id())
    return user


class SignInRefused(DomainError):
    """Too many failed attempts from this address for this account: refused until ``until``."""

    def __init__(self, until: datetime, field: str | None = None):
        super().__init__(
            _l("Too many failed attempts from your address. Try again after %(time)s UTC.",
               time=until.strftime("%H:%M")), field=field)
        self.until = until


def authenticate(email: str, password: str, *, address: str, user_agent: str = "") -> User | None:
    """The active user with this email and password, or ``None`` - never saying which was wrong.

    The attempt is counted against (email, client address) before the password is checked
    (see ``throttle``); past five failures in 15 minutes that address is refused for 15
    minutes with ``SignInRefused``, whether the account exists or not. Known and unknown
    emails do the same work: one password hash checked, the same counter row written (L1).
    A success opens a server-side session (``user.session_key``), stamps ``last_login_at``,
    clears the address's count and writes an audit event. Flushes; the caller commits.
    """
    email = throttle.normalise_account(email)

    def audit_refusal(until: datetime) -> None:
        record(None, "user.sign_in_refused", summary=f"{email} from {address}",
               details={"email": email, "address": address, "until": until.isoformat(),
                        "attempts": throttle.MAX_ATTEMPTS})

    attempt = throttle.count_attempt(throttle.SIGN_IN, email, address,
                                     on_first_refusal=audit_refusal)
    if not attempt.admitted:
        raise SignInRefused(attempt.refused_until)
    user = db.session.scalar(select(User).where(User.email == email))
    # An unknown email is checked against a dummy hash: the same ~100 ms of scrypt.
    password_ok = (user or _DUMMY_USER).check_password(password or "")
    if user is None or not password_ok or not user.active:
        return None
    throttle.clear(throttle.SIGN_IN, email, address)
    sessions.start_session(user, address=address, user_agent=user_agent)
    user.last_login_at = utcnow()
    record(user, "user.login", user, summary=user.email)
    db.session.flush()
    return user


def sign_out(user: User, *, everywhere: bool = False) -> int:
    """End this device's session, or every session of ``user``; how many ended. Flushes."""
    if everywhere:
        ended = sessions.end_sessions_of(user, "signed_out_everywhere")
        record(user, "user.sign_out_everywhere", user, summary=user.email,
               details={"sessions": ended})
        return ended
    sessions.end_session(sessions.current_session_id(), "signed_out")
    return 1


def unlock(user: User, *, unlocked_by: User) -> int:
    """Lift every sign-in and password-change refusal of this account (an admin's action);
    how many addresses were refused. Flushes."""
    refused = throttle.clear_account(user.email)
    record(unlocked_by, "user.unlock", user, summary=user.email, details={"addresses": refused})
    db.session.flush()
    return refused


_DUMMY_USER = User(password_hash="scrypt:32768:8:1$0000000000000000$" + "0" * 128)
