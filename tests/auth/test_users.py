"""Administrators manage staff accounts in the UI; the CLI creates them too."""
from __future__ import annotations

from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.auth import services
from registry.auth.models import User
from registry.errors import DomainError
from tests import fixtures
from tests.concurrency import run_together


def events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_admin_creates_a_user(client, login_as, db, count_rows):
    login_as("admin")
    before = count_rows(User)
    response = client.post("/admin/users/new", data={
        "email": "Dilfuza@Registry.test", "name": "Dilfuza Toʻxtayeva", "role": "trainer",
        "locale": "uz", "password": "a long initial password"}, follow_redirects=True)
    assert "Account for dilfuza@registry.test created." in response.get_data(as_text=True)
    assert count_rows(User) == before + 1
    user = db.session.scalar(select(User).where(User.email == "dilfuza@registry.test"))
    assert (user.name, user.role, user.locale) == ("Dilfuza Toʻxtayeva", "trainer", "uz")
    [event] = events(db, "user.create")
    assert event.record_id == user.id


def test_duplicate_email_is_refused_next_to_the_field(client, login_as, count_rows, db):
    login_as("admin")
    fixtures.create_user("official", email="malika@registry.test")
    before, events_before = count_rows(User), count_rows(AuditEvent)
    page = client.post("/admin/users/new", data={
        "email": "MALIKA@registry.test", "name": "Another", "role": "official",
        "password": "a long initial password"}).get_data(as_text=True)
    assert 'id="email-error"' in page
    assert "A user with this email already exists." in page
    assert count_rows(User) == before and count_rows(AuditEvent) == events_before


def test_short_password_and_bad_email_are_refused(client, login_as, count_rows):
    login_as("admin")
    before = count_rows(User)
    page = client.post("/admin/users/new", data={
        "email": "not-an-email", "name": "X", "role": "trainer",
        "password": "short"}).get_data(as_text=True)
    assert 'id="email-error"' in page and 'id="password-error"' in page
    assert count_rows(User) == before


def test_admin_changes_role(client, login_as, db):
    login_as("admin")
    user = fixtures.create_user("trainer")
    response = client.post(f"/admin/users/{user.id}", data={
        "email": user.email, "name": user.name, "role": "official", "locale": ""},
        follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(user)
    assert user.role == "official"
    [event] = events(db, "user.update")
    assert event.details["changes"]["role"] == ["trainer", "official"]


def test_saving_without_changes_writes_no_event(client, login_as, db):
    login_as("admin")
    user = fixtures.create_user("trainer", email="same@registry.test")
    client.post(f"/admin/users/{user.id}", data={
        "email": user.email, "name": user.name, "role": "trainer", "locale": ""})
    assert events(db, "user.update") == []


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(client, login_as, db):
    admin = login_as("admin")
    page = client.post(f"/admin/users/{admin.id}", data={
        "email": admin.email, "name": admin.name, "role": "trainer", "locale": ""}).get_data(
        as_text=True)
    assert "You cannot remove your own administrator role." in page
    page = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"},
                       follow_redirects=True).get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active


def test_deactivate_and_reactivate(client, login_as, db):
    login_as("admin")
    user = fixtures.create_user("trainer")
    page = client.post(f"/admin/users/{user.id}/active", data={"active": "0"},
                       follow_redirects=True).get_data(as_text=True)
    assert "deactivated" in page
    db.session.refresh(user)
    assert not user.active
    client.post(f"/admin/users/{user.id}/active", data={"active": "1"})
    db.session.refresh(user)
    assert user.active
    assert len(events(db, "user.deactivate")) == 1 and len(events(db, "user.activate")) == 1


def test_reset_password(client, login_as, db):
    login_as("admin")
    user = fixtures.create_user("trainer", email="anvar@registry.test")
    client.post(f"/admin/users/{user.id}/password",
                data={"reset-password": "brand new secret"})
    db.session.refresh(user)
    assert user.check_password("brand new secret")
    [event] = events(db, "user.password_reset")
    assert event.details["changes"]["password_hash"] == ["***", "***"]


def test_too_short_reset_changes_nothing(client, login_as, db):
    login_as("admin")
    user = fixtures.create_user("trainer")
    old_hash = user.password_hash
    page = client.post(f"/admin/users/{user.id}/password", data={"reset-password": "short"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Password not changed" in page
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_user_list_filters_and_paginates(app, client, login_as):
    admin = login_as("admin", name="Zarina Admin")
    admin_row = f'<a href="/admin/users/{admin.id}">Zarina Admin</a>'
    for number in range(30):
        fixtures.create_user("trainer", name=f"Trainer {number:02d}")
    page = client.get("/admin/users/?role=trainer&sort=name").get_data(as_text=True)
    assert "1–25 of 30" in page and "Trainer 00" in page and admin_row not in page
    page = client.get("/admin/users/?role=trainer&sort=name&page=2").get_data(as_text=True)
    assert "Trainer 29" in page and "Trainer 00" not in page
    assert admin_row in client.get("/admin/users/?q=zarina").get_data(as_text=True)
    page = client.get("/admin/users/?q=nobody-matches").get_data(as_text=True)
    assert "No user matches this search." in page


def test_unknown_user_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404


def test_cli_create_user(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "First@Registry.test", "--role",
                                 "admin", "--password", "first admin password"])
    assert result.exit_code == 0, result.output
    assert "Created admin first@registry.test." in result.output
    user = db.session.scalar(select(User).where(User.email == "first@registry.test"))
    assert user.check_password("first admin password")
    again = runner.invoke(args=["create-user", "--email", "first@registry.test", "--role",
                                "admin", "--password", "first admin password"])
    assert again.exit_code != 0 and "already exists" in again.output


class Deactivate:
    def __init__(self, actor_id):
        self.actor_id = actor_id

    def prepare(self, user_id):
        from registry.extensions import db

        return db.session.get(User, user_id), db.session.get(User, self.actor_id)

    def run(self, prepared):
        user, actor = prepared
        return services.set_active(user, False, changed_by=actor).email


def test_two_admins_deactivating_each_other_at_once_leave_one_active(app, db):
    """L12: they take turns on the admins' rows; the second is refused, never zero admins."""
    for repeat in range(20):
        first = fixtures.create_user("admin", email=f"first{repeat}@registry.test")
        second = fixtures.create_user("admin", email=f"second{repeat}@registry.test")
        results = run_together(app, [(Deactivate(first.id), second.id),
                                     (Deactivate(second.id), first.id)])
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(refused) == 1, results
        assert "last active administrator" in str(refused[0].message)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.role == "admin", User.active.is_(True))) == 1
        for user in (first, second):  # the next round starts with no active admin but its own
            db.session.get(User, user.id).active = False
        db.session.commit()
