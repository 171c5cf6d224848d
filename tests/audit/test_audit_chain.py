"""The audit log cannot be rewritten: triggers refuse it, and the hash chain shows any edit
made behind the application's back."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from registry.audit.immutability import install, remove
from registry.audit.models import AuditEvent
from registry.audit.services import record, verify_chain
from registry.extensions import db
from tests import fixtures


@pytest.fixture
def events():
    admin = fixtures.create_user("admin")
    for number in range(6):
        record(admin, "test.event", admin, summary=f"event {number}",
               details={"n": number, "changed": {7: ["a", "b"]}, "name": "Ўроқов"})
    db.session.commit()
    return db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.seq)).all()


def behind_the_apps_back(statement: str, **params) -> None:
    """What someone with database access could do: drop the triggers, edit, put them back."""
    db.session.rollback()  # end the test's own read transaction, then look afresh
    with db.engine.begin() as connection:
        remove(connection)
        connection.execute(text(statement), params)
        install(connection)


def test_events_form_one_chain_that_verifies(app, events):
    assert [e.seq for e in events][-6:] == list(range(len(events) - 5, len(events) + 1))
    assert all(later.previous_hash == earlier.hash for earlier, later in zip(events, events[1:]))
    checked, broken = verify_chain()
    assert broken is None and checked == len(events)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and f"OK: {checked} audit events" in result.output


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET summary = 'nothing happened'",
    "DELETE FROM audit_event",
])
def test_the_database_refuses_to_change_or_delete_events(events, statement):
    db.session.rollback()
    with pytest.raises(DatabaseError):
        with db.engine.begin() as connection:
            connection.execute(text(statement))
    assert verify_chain()[1] is None


def test_an_edited_event_is_reported_as_the_first_broken_link(app, events):
    target = events[3]
    behind_the_apps_back("UPDATE audit_event SET summary = 'edited' WHERE id = :id", id=target.id)
    checked, broken = verify_chain()
    assert (checked, broken.seq, broken.problem) == (3, target.seq,
                                                     "was changed after it was written")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at event #{target.seq}" in result.output


def test_a_deleted_event_breaks_the_chain(events):
    deleted_id, deleted_seq = events[2].id, events[2].seq
    behind_the_apps_back("DELETE FROM audit_event WHERE id = :id", id=deleted_id)
    checked, broken = verify_chain()
    assert checked == 2 and broken.seq == deleted_seq and "missing" in broken.problem


def test_a_deleted_last_event_is_noticed_by_the_chain_head(events):
    last_id = events[-1].id
    behind_the_apps_back("DELETE FROM audit_event WHERE id = :id", id=last_id)
    checked, broken = verify_chain()
    assert checked == len(events) - 1 and broken is not None


def test_a_rehashed_forgery_still_breaks_the_link_after_it(events):
    # A forger who recomputes the edited event's own hash still leaves the next event
    # pointing at the old one.
    from registry.audit.services import event_digest

    forged, next_seq = events[1], events[2].seq
    forged.summary = "forged"
    new_hash = event_digest(forged, forged.previous_hash)
    forged_id = forged.id
    db.session.rollback()
    behind_the_apps_back("UPDATE audit_event SET summary = 'forged', hash = :hash WHERE id = :id",
                         hash=new_hash, id=forged_id)
    checked, broken = verify_chain()
    assert broken.seq == next_seq and "does not follow" in broken.problem


def test_the_admin_exports_the_audit_log(client, login_as, events):
    import io

    from openpyxl import load_workbook

    login_as("admin")
    response = client.get("/admin/audit/events.xlsx?action=test.")
    rows = list(load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("When (UTC)", "Who", "Action")
    assert len(rows) == 7 and {row[2] for row in rows[1:]} == {"test.event"}
    assert sorted(row[7] for row in rows[1:]) == [e.seq for e in events if
                                                   e.action == "test.event"]


def test_events_recorded_together_join_the_chain_as_one_by_one(app):
    """``record_many`` (the list import's organizations) writes the events ``record`` would:
    consecutive numbers after the head, each hashed on the one before, the head at the last."""
    from registry.audit.models import AuditChainHead
    from registry.audit.services import record_many

    admin = fixtures.create_user("admin")
    record(admin, "test.before", admin, summary="before")
    organizations = [fixtures.create_organization(f"Tashkilot {n}") for n in range(4)]
    events = record_many(admin, [("organization.create", organization, organization.name,
                                  {"changes": {"name": [None, organization.name]}})
                                 for organization in organizations])
    record(admin, "test.after", admin, summary="after")
    db.session.commit()
    assert record_many(admin, []) == []
    chain = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.action for e in chain] == ["test.before", *["organization.create"] * 4,
                                         "test.after"]
    assert [e.seq for e in chain] == list(range(1, 7))
    assert [e.record_id for e in chain[1:5]] == [o.id for o in organizations]
    assert chain[1:5] == events
    assert db.session.get(AuditChainHead, 1).hash == chain[-1].hash
    assert verify_chain() == (6, None)
