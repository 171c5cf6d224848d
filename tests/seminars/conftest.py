"""Helpers for the seminar tests."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.seminars.models import Registration, Seminar
from tests import fixtures


def statuses(seminar: Seminar) -> dict[str, int]:
    """How many registrations of each status the database holds for ``seminar``."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Registration.status, func.count()).where(Registration.seminar_id == seminar.id)
        .group_by(Registration.status)).all()
    return dict(rows)


def seats_taken(seminar: Seminar) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Seminar.seats_taken).where(Seminar.id == seminar.id))


@pytest.fixture
def trainer():
    return fixtures.create_user("trainer", name="Anvar Karimov")


@pytest.fixture
def official():
    return fixtures.create_user("official", name="Malika Rahimova")
