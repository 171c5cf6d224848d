"""``can(user, action, obj)`` for every role, including the object rules."""
from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from registry.auth.permissions import ROLE_RULES, can
from tests import fixtures

EXPECTED = {
    # action: (admin, official, trainer)
    "dashboard.view": (True, True, True),
    "user.manage": (True, False, False),
    "reference.view": (True, True, True),
    "reference.manage": (True, False, False),
    "audit.view": (True, False, False),
    "settings.manage": (True, False, False),
    "person.view": (True, True, True),
    "person.create": (True, True, True),
    "person.edit": (True, True, True),
    "person.export": (True, True, False),
    "person.public_listing": (True, True, False),
    "person.merge": (True, True, False),
    "person.view_private": (True, True, False),
    "seminar.list": (True, True, True),
    "seminar.create": (True, True, True),
    "seminar.view": (True, True, True),
    "seminar.edit": (True, True, True),
    "seminar.register": (True, True, True),
    "seminar.attendance": (True, True, True),
    "seminar.results": (True, True, True),
    "seminar.correct": (True, True, False),
    "review.view": (True, True, False),
    "review.decide": (True, True, False),
    "review.raise": (True, True, False),
    "certificate.view": (True, True, False),
    "certificate.issue": (True, True, False),
    "certificate.print": (True, True, False),
    "certificate.reissue": (True, True, False),
    "certificate.revoke": (True, True, False),
    "report.view": (True, True, False),
}


@pytest.fixture
def staff():
    return {role: fixtures.create_user(role) for role in ("admin", "official", "trainer")}


def test_every_action_has_an_expectation():
    assert set(ROLE_RULES) <= set(EXPECTED), "new actions need a row in EXPECTED"


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_role_rules(staff, action):
    if action not in ROLE_RULES:
        pytest.fail(f"{action} is expected but not defined in ROLE_RULES")
    admin, official, trainer = EXPECTED[action]
    assert can(staff["admin"], action) is admin
    assert can(staff["official"], action) is official
    assert can(staff["trainer"], action) is trainer


def test_anonymous_and_deactivated_users_may_do_nothing(db):
    retired = fixtures.create_user("admin", active=False)
    for action in ROLE_RULES:
        assert can(AnonymousUserMixin(), action) is False
        assert can(None, action) is False
        assert can(retired, action) is False


def test_unknown_actions_are_refused(staff):
    assert can(staff["admin"], "seminar.destroy_everything") is False


def test_trainer_acts_only_on_own_seminars(staff):
    other = fixtures.create_user("trainer")
    own = fixtures.create_seminar(trainers=[staff["trainer"]])
    foreign = fixtures.create_seminar(trainers=[other])
    registration = fixtures.create_registration(own)
    for action in ("seminar.view", "seminar.edit", "seminar.register", "seminar.attendance",
                   "seminar.results"):
        assert can(staff["trainer"], action, own) is True
        assert can(staff["trainer"], action, registration) is True
        assert can(staff["trainer"], action, foreign) is False
        assert can(staff["official"], action, foreign) is True


def test_who_teaches_a_seminar_does_not_certify_it(staff):
    seminar = fixtures.create_seminar(trainers=[staff["trainer"]])
    assert can(staff["official"], "certificate.issue", seminar) is True
    # An official who also taught this seminar may not issue its certificates.
    seminar.trainers.append(staff["official"])
    assert can(staff["official"], "certificate.issue", seminar) is False
    assert can(staff["admin"], "certificate.issue", seminar) is True
    # Nor correct its records after completion, nor decide its review items.
    assert can(staff["official"], "seminar.correct", seminar) is False
    assert can(staff["admin"], "seminar.correct", seminar) is True


def test_a_trainer_sees_only_the_people_of_their_seminars_and_those_they_added(staff):
    trainer, other = staff["trainer"], fixtures.create_user("trainer")
    theirs = fixtures.create_registration(fixtures.create_seminar(trainers=[trainer])).person
    cancelled = fixtures.create_registration(fixtures.create_seminar(trainers=[trainer]),
                                             status="cancelled").person
    foreign = fixtures.create_registration(fixtures.create_seminar(trainers=[other])).person
    added = fixtures.create_person(added_by=trainer)
    added_then_placed = fixtures.create_person(added_by=trainer)
    fixtures.create_registration(fixtures.create_seminar(trainers=[other]), added_then_placed)
    for action in ("person.view", "person.edit"):
        assert can(trainer, action, theirs) and can(trainer, action, cancelled)
        assert can(trainer, action, added)
        assert not can(trainer, action, foreign)
        assert not can(trainer, action, added_then_placed)  # registered elsewhere now
        assert not can(trainer, action, fixtures.create_person())  # nobody's
        assert can(staff["official"], action, foreign) and can(staff["admin"], action, foreign)
