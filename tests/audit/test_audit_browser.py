"""Administrators browse and filter the audit trail."""
from __future__ import annotations

from datetime import timedelta

from registry.audit.services import record
from registry.database import utcnow
from tests import fixtures


def test_events_list_newest_first_and_filter(client, login_as, db):
    admin = login_as("admin", name="Registry Administrator")
    official = fixtures.create_user("official", name="Malika Rahimova")
    sector = fixtures.create_sector("Silk")
    record(admin, "sector.create", sector, summary="Silk")
    record(official, "user.login", official, summary=official.email)
    old = record(official, "user.update", official, summary="old change")
    old.at = utcnow() - timedelta(days=40)
    db.session.commit()

    page = client.get("/admin/audit/").get_data(as_text=True)
    assert page.index("user.login") < page.index("sector.create") < page.index("old change")

    page = client.get(f"/admin/audit/?actor={official.id}").get_data(as_text=True)
    assert "user.login" in page and "<code>sector.create</code>" not in page

    page = client.get("/admin/audit/?action=sector.").get_data(as_text=True)
    assert "<code>sector.create</code>" in page and "<code>user.login</code>" not in page

    since = (utcnow() - timedelta(days=7)).date().isoformat()
    page = client.get(f"/admin/audit/?since={since}").get_data(as_text=True)
    assert "old change" not in page and "user.login" in page

    page = client.get("/admin/audit/?since=not-a-date&record_id=abc").get_data(as_text=True)
    assert "old change" in page  # nonsense filters are ignored, not a 500

    page = client.get("/admin/audit/?record_type=nothing").get_data(as_text=True)
    assert "No event matches these filters." in page


def test_event_page_shows_changed_fields(client, login_as, db):
    login_as("admin")
    sector = fixtures.create_sector("Silk", code="SILK")
    client.post(f"/reference/sectors/{sector.id}", data={"code": "SILK", "name": "Ipak"})
    from sqlalchemy import select

    from registry.audit.models import AuditEvent

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sector.update"))
    page = client.get(f"/admin/audit/{event.id}").get_data(as_text=True)
    assert "<td>name</td><td>Silk</td><td>Ipak</td>" in page
    assert client.get("/admin/audit/999999").status_code == 404


def test_only_admins_see_the_audit_log(client, login_as):
    login_as("official")
    assert client.get("/admin/audit/").status_code == 403
    assert "/admin/audit/" not in client.get("/").get_data(as_text=True)
