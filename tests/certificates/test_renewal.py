"""Renewal by a refresher seminar: completing it makes a holder's certificate eligible, the
official's issue gives exactly the eligible holders a successor linked to it, the expiring list
says who is eligible and drops the renewed, and the verification page says "certified
continuously since"."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.certificates.models import Certificate
from registry.certificates.renewal import continuous_since
from registry.certificates.services import change_status, issue_certificate, issue_for_seminar
from registry.extensions import db
from tests import fixtures
from tests.certificates.workers import IssueBatch
from tests.concurrency import run_together

TODAY = date.today()


@dataclass
class Holders:
    auditor: object  # the internal-auditor course
    refresher: object  # its refresher course
    official: object
    certificates: dict  # name -> the certificate held before the refresher


def _held(course, name, official, *, issued_on):
    seminar = fixtures.create_completed_seminar(((name, 3, 90),), course=course)
    certificate = issue_certificate(seminar.registrations[0], issued_by=official,
                                    issued_on=issued_on)
    db.session.commit()
    return certificate


def _refresher_seminar(course, people, *, start=None):
    seminar = fixtures.create_seminar(course=course, status="in_progress",
                                      start=start or TODAY - timedelta(days=5))
    for person in people:
        fixtures.create_registration(seminar, person, present_days=course.days)
    seminar.status = "completed"
    db.session.commit()
    return seminar


@pytest.fixture
def holders():
    official = fixtures.create_user("official")
    auditor = fixtures.create_course(prefix="IA", code="IA-9001")
    refresher = fixtures.create_course(kind="attendance", pass_mark=None, days=1, prefix="RF",
                                       code="IA-9001-RF", title="Internal Auditor refresher")
    refresher.refresher_for_id = auditor.id
    three_years = timedelta(days=365 * 3)
    certificates = {
        # expires in about a month: renewable
        "soon": _held(auditor, "Ғайратжон Ўроқов", official,
                      issued_on=TODAY - three_years + timedelta(days=30)),
        # expired 30 days ago: still within the grace period
        "grace": _held(auditor, "Oʻktam Gʻaniyev", official,
                       issued_on=TODAY - three_years - timedelta(days=30)),
        # expired 200 days ago: past the grace period, a new start
        "lapsed": _held(auditor, "Билгүүн Өлзийбат", official,
                        issued_on=TODAY - three_years - timedelta(days=200)),
        # revoked: never renewed
        "revoked": _held(auditor, "Nguyễn Thị Thắm", official,
                         issued_on=TODAY - three_years + timedelta(days=60)),
    }
    change_status(certificates["revoked"], "revoke", actor=official, reason="misconduct")
    db.session.commit()
    return Holders(auditor, refresher, official, certificates)


def test_the_refresher_renews_exactly_the_eligible_certificates(client, login_as, holders):
    newcomer = fixtures.create_person("Ҳилола Қосимова")
    people = [c.person for c in holders.certificates.values()] + [newcomer]
    seminar = _refresher_seminar(holders.refresher, people)

    login_as(holders.official)
    expiring = client.get("/reports/expiring?within=90").get_data(as_text=True)
    assert holders.certificates["soon"].printed_number in expiring
    assert "Eligible" in expiring and seminar.title in expiring

    issued = issue_for_seminar(seminar, issued_by=holders.official).issued
    db.session.commit()
    by_person = {certificate.person_id: certificate for certificate in issued}
    assert len(issued) == 5  # everyone who completed the refresher gets its certificate
    renewed = {name for name, old in holders.certificates.items()
               if by_person[old.person_id].renews_registration_id == old.registration_id}
    assert renewed == {"soon", "grace"}
    assert by_person[newcomer.id].renews_registration_id is None
    batch = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "certificate.issue_batch")).all()[-1]
    assert len(batch.details["renewals"]) == 2

    # The renewed leave the expiring list.
    expiring = client.get("/reports/expiring?within=90").get_data(as_text=True)
    assert holders.certificates["soon"].printed_number not in expiring

    # The verification page of a successor says since when the holder is certified.
    soon = holders.certificates["soon"]
    successor = by_person[soon.person_id]
    assert continuous_since(successor) == soon.issued_on
    page = client.get(f"/v/{successor.public_code}").get_data(as_text=True)
    assert "continuously since" in page
    lapsed = by_person[holders.certificates["lapsed"].person_id]
    assert "continuously since" not in client.get(f"/v/{lapsed.public_code}").get_data(
        as_text=True)


def test_a_second_refresher_renews_nothing_more(holders):
    soon = holders.certificates["soon"]
    first = _refresher_seminar(holders.refresher, [soon.person])
    issue_for_seminar(first, issued_by=holders.official)
    db.session.commit()
    second = _refresher_seminar(holders.refresher, [soon.person])
    [again] = issue_for_seminar(second, issued_by=holders.official).issued
    db.session.commit()
    # The successor (valid for three years from today) is far from expiring, and the first
    # certificate is renewed already: the second refresher renews nothing.
    assert again.renews_registration_id is None


def test_a_reissued_successor_keeps_its_link(holders):
    from registry.certificates.services import reissue_certificate

    soon = holders.certificates["soon"]
    seminar = _refresher_seminar(holders.refresher, [soon.person])
    [successor] = issue_for_seminar(seminar, issued_by=holders.official).issued
    db.session.commit()
    revision = reissue_certificate(successor, {"holder_latin_name": "Gayratjon Uroqov"},
                                   actor=holders.official, reason="Latin form added")
    db.session.commit()
    assert revision.renews_registration_id == soon.registration_id
    assert continuous_since(revision) == soon.issued_on


def test_a_course_is_marked_as_refresher_on_its_form(client, login_as, holders):
    login_as("admin")
    course = fixtures.create_course(kind="attendance", pass_mark=None, prefix="RFB", code="RFB")
    db.session.commit()
    page = client.get(f"/reference/courses/{course.id}").get_data(as_text=True)
    assert 'name="refresher_for_id"' in page
    assert f'value="{holders.refresher.id}"' not in page.split('name="refresher_for_id"')[1] \
        .split("</select>")[0]  # a refresher is not offered: no chains of refreshers
    form = {"code": "RFB", "title": course.title, "standards": "", "description": "",
            "certificate_kind": "attendance", "hours": "8", "days": "1", "pass_mark": "",
            "min_attendance_percent": "100", "validity_months": "36", "number_prefix": "RFB",
            "languages": "seminar", "active": "y", "refresher_for_id": str(holders.auditor.id)}
    saved = client.post(f"/reference/courses/{course.id}", data=form)
    assert saved.status_code == 302, re.findall(r"class=\"error[^>]*>([^<]*)",
                                                saved.get_data(as_text=True))
    db.session.expire_all()
    assert course.refresher_for_id == holders.auditor.id


def _renewal_links(issued) -> list:
    return [certificate.renews_registration_id for certificate in issued]


def test_two_refresher_seminars_issued_at_once_renew_a_certificate_once(app, holders):
    soon = holders.certificates["soon"]
    first = _refresher_seminar(holders.refresher, [soon.person])
    second = _refresher_seminar(holders.refresher, [soon.person])
    other = fixtures.create_user("official")
    db.session.commit()
    results = run_together(app, [(IssueBatch(holders.official.id, _renewal_links), first.id),
                                 (IssueBatch(other.id, _renewal_links), second.id)])
    assert all(isinstance(result, list) for result in results), results
    links = [link for result in results for link in result]
    assert links.count(soon.registration_id) == 1, results
    db.session.expire_all()
    assert len(db.session.scalars(select(Certificate).where(
        Certificate.renews_registration_id == soon.registration_id)).all()) == 1
