"""The one place that decides who may do what: ``can(user, action, obj=None)``.

Every view asks ``can`` (directly or through ``require``); templates use it to show only the
navigation and buttons a role may use. Object rules: a trainer sees and changes only the
seminars they are assigned to and the people on them (see ``registry.people.visibility``),
and may never issue certificates for a seminar they teach
(training and certification are kept apart, as ISO/IEC 17024 asks). A regional office's
account (``registry.auth.scope``) acts only on what lies within its region: a seminar held
elsewhere - and its registrations, certificates, print jobs, review items - and a person of
another region are refused whatever the role would allow.
"""
from __future__ import annotations

from flask import abort

from registry.auth.scope import is_scoped, seminar_in_scope
from registry.certificates.issuing import certifier_refusal
from registry.people.visibility import may_see

STAFF = frozenset({"admin", "official", "trainer"})
OFFICE = frozenset({"admin", "official"})
ADMIN = frozenset({"admin"})

# action -> roles that may perform it (before any object rule)
ROLE_RULES: dict[str, frozenset[str]] = {
    "dashboard.view": STAFF,
    # staff accounts and reference data
    "user.manage": ADMIN,
    "reference.view": STAFF,
    "reference.manage": ADMIN,
    "audit.view": ADMIN,
    "settings.manage": ADMIN,
    # people
    "person.view": STAFF,  # a trainer: only the people ``people.visibility`` lets them see
    "person.create": STAFF,
    "person.edit": STAFF,  # the same object rule as person.view
    "person.export": OFFICE,  # the whole register as a spreadsheet
    "person.public_listing": OFFICE,  # record consent to the public register
    "person.merge": OFFICE,
    "person.view_private": OFFICE,  # national identifier
    # seminars
    "seminar.list": STAFF,
    "seminar.create": STAFF,
    "seminar.view": STAFF,
    "seminar.edit": STAFF,
    "seminar.register": STAFF,
    "seminar.attendance": STAFF,
    "seminar.results": STAFF,
    "seminar.correct": OFFICE,  # a completed seminar's record, with a reason
    # certificates
    "certificate.view": OFFICE,
    "certificate.issue": OFFICE,
    "certificate.print": OFFICE,
    "certificate.reissue": OFFICE,
    "certificate.revoke": OFFICE,
    # the review queue
    "review.view": OFFICE,
    "review.decide": OFFICE,
    "review.raise": OFFICE,  # record an appeal the agency received
    # reports
    "report.view": OFFICE,
}

# Actions of the certification side: whoever taught the seminar concerned may not take them.
_CERTIFYING_ACTIONS = {"seminar.correct", "review.decide"}

# Actions on a seminar that a trainer may take only on a seminar they are assigned to.
_TRAINER_SEMINAR_ACTIONS = {
    "seminar.view", "seminar.edit", "seminar.register", "seminar.attendance", "seminar.results",
}


# Actions on a person that a trainer may take only on a person they may see.
_TRAINER_PERSON_ACTIONS = {"person.view", "person.edit"}


def _seminar_of(obj):
    """The seminar an object belongs to (a seminar, a registration, a certificate), if any."""
    if obj is None:
        return None
    if obj.__class__.__name__ == "Seminar":
        return obj
    return getattr(obj, "seminar", None)


def can(user, action: str, obj=None) -> bool:
    """May ``user`` perform ``action`` (on ``obj``)? Unknown actions are refused."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    roles = ROLE_RULES.get(action)
    if roles is None or user.role not in roles:
        return False
    if (user.role == "trainer" and action in _TRAINER_PERSON_ACTIONS
            and obj.__class__.__name__ == "Person"):
        return may_see(user, obj)
    if is_scoped(user) and obj.__class__.__name__ == "Person":
        return may_see(user, obj)  # the people of the scope (``people.visibility``)
    seminar = _seminar_of(obj)
    if is_scoped(user) and not seminar_in_scope(user, seminar):
        return False
    if user.role == "trainer" and action in _TRAINER_SEMINAR_ACTIONS and seminar is not None:
        return seminar.is_trainer(user)
    if (action.startswith("certificate.") or action in _CERTIFYING_ACTIONS) and seminar is not None:
        # Separation of duties, the domain's rule: whoever taught the seminar does not
        # certify it (nor handle its certificates).
        return certifier_refusal(user, seminar) is None
    return True


def require(user, action: str, obj=None) -> None:
    """Abort with 403 unless ``can(user, action, obj)``."""
    if not can(user, action, obj):
        abort(403)


def get_permitted(model, key, action: str, *, subject=None):
    """The record ``key`` of ``model`` if the signed-in user may ``action`` on it - or on
    ``subject(record)``, e.g. a print job's seminar: 404 when it does not exist, 403 when
    the user may not."""
    from flask_login import current_user

    from registry.database import MAX_ID
    from registry.extensions import db

    # A number no record can have (from a query string) is never sent to the database.
    record = None if isinstance(key, int) and key > MAX_ID else db.session.get(model, key)
    if record is None:
        abort(404)
    require(current_user, action, subject(record) if subject else record)
    return record
