"""Regional offices: an official or a trainer whose account works within a region (its whole
subtree) sees, prints, reports and plans only there (``registry.auth.scope``)."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.certificates.jobs import start_print_job
from registry.certificates.services import issue_for_seminar
from registry.extensions import db
from registry.reviews.models import ReviewItem
from registry.seminars.models import Seminar
from tests import fixtures
from tests.reports.conftest import YEAR, breakdown_table, figure
from tests.reports.conftest import report_world  # noqa: F401 (the reports' fixture)
from tests.reports.test_dashboard import dashboard, independent_figures


@dataclass
class Offices:
    admin: User
    fergana: object
    quva: object
    tashkent: object
    inside: Seminar  # completed, in Quva (a district of Fergana), certificates issued
    outside: Seminar  # completed, in Tashkent, certificates issued
    inside_job: object
    outside_job: object
    local: object  # a person living in Quva, registered nowhere


@pytest.fixture
def offices():
    admin = fixtures.create_user("admin")
    fergana = fixtures.create_region("Fargʻona viloyati")
    fergana.code = "UZ-FA"
    quva = fixtures.create_region("Quva", kind="district", parent=fergana)
    tashkent = fixtures.create_region("Toshkent shahri")
    inside = fixtures.create_completed_seminar(
        (("Ғайратжон Ўроқов", 3, 90), ("Oʻktam Gʻaniyev", 3, 85)), region=quva)
    outside = fixtures.create_completed_seminar((("Билгүүн Өлзийбат", 3, 95),), region=tashkent)
    for seminar in (inside, outside):
        issue_for_seminar(seminar, issued_by=admin)
    inside_job = start_print_job(inside, actor=admin)
    outside_job = start_print_job(outside, actor=admin)
    local = fixtures.create_person("Ҳилола Қосимова", region=quva)
    db.session.commit()
    return Offices(admin, fergana, quva, tashkent, inside, outside, inside_job, outside_job,
                   local)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _certificates(seminar) -> list:
    from registry.certificates.models import Certificate

    return db.session.scalars(select(Certificate).where(Certificate.seminar_id == seminar.id)
                              .order_by(Certificate.id)).all()


def _numbers(seminar) -> set[str]:
    return {certificate.number for certificate in _certificates(seminar)}


def test_a_regional_official_reaches_only_what_lies_in_their_region(client, login_as, offices):
    login_as(fixtures.create_user("official", region=offices.fergana))
    inside_certificate = _certificates(offices.inside)[0]
    outside_certificate = _certificates(offices.outside)[0]
    for url in (f"/seminars/{offices.inside.id}", f"/certificates/{inside_certificate.id}",
                f"/certificates/seminar/{offices.inside.id}",
                f"/certificates/jobs/{offices.inside_job.id}",
                f"/seminars/{offices.inside.id}/roster.xlsx",
                f"/people/{offices.local.id}"):
        assert client.get(url).status_code == 200, url
    for url in (f"/seminars/{offices.outside.id}", f"/certificates/{outside_certificate.id}",
                f"/certificates/{outside_certificate.id}.pdf",
                f"/certificates/seminar/{offices.outside.id}",
                f"/certificates/seminar/{offices.outside.id}/certificates.pdf",
                f"/certificates/jobs/{offices.outside_job.id}",
                f"/certificates/jobs/{offices.outside_job.id}.json",
                f"/seminars/{offices.outside.id}/roster.xlsx",
                f"/people/{offices.outside.registrations[0].person_id}"):
        assert client.get(url).status_code == 403, url
    revoked = client.post(f"/certificates/{outside_certificate.id}/revoke",
                          data={"reason": "issued_in_error"})
    assert revoked.status_code == 403
    db.session.expire_all()
    assert outside_certificate.status == "valid"

    # Lists and exports hold the region's rows only, and say whose they are.
    seminars = client.get("/seminars/").get_data(as_text=True)
    assert offices.inside.title in seminars and offices.outside.title not in seminars
    assert "works within Fargʻona viloyati" in seminars
    register = client.get("/certificates/register.csv")
    assert "UZ-FA" in register.headers["Content-Disposition"]
    listed = {row[0] for row in _csv(register)[1:]}
    assert listed == _numbers(offices.inside)
    people = client.get("/people/export.csv")
    names = {row[0] for row in _csv(people)[1:]}
    assert names == {"Ғайратжон Ўроқов", "Oʻktam Gʻaniyev", "Ҳилола Қосимова"}


def test_an_unscoped_official_still_sees_the_whole_country(client, login_as, offices):
    login_as("official")
    assert client.get(f"/seminars/{offices.outside.id}").status_code == 200
    listed = {row[0] for row in _csv(client.get("/certificates/register.csv"))[1:]}
    assert listed == _numbers(offices.inside) | _numbers(offices.outside)
    assert "works within" not in client.get("/seminars/").get_data(as_text=True)


def test_the_review_queue_and_the_expiring_list_of_a_regional_office(client, login_as,
                                                                     offices):
    for seminar in (offices.inside, offices.outside):
        registration = seminar.registrations[0]
        db.session.add(ReviewItem(kind="record_corrected", status="open", seminar_id=seminar.id,
                                  registration_id=registration.id,
                                  summary=f"about {seminar.title}", details={}))
    db.session.commit()
    login_as(fixtures.create_user("official", region=offices.fergana))
    queue = client.get("/reviews/").get_data(as_text=True)
    assert f"about {offices.inside.title}" in queue
    assert f"about {offices.outside.title}" not in queue
    outside_item = db.session.scalar(select(ReviewItem).where(
        ReviewItem.seminar_id == offices.outside.id))
    assert client.get(f"/reviews/{outside_item.id}").status_code == 403
    # Certificates valid for the course's months: all of them expire within the years ahead.
    expiring = client.get("/reports/expiring.csv?within=180")
    assert "UZ-FA" in expiring.headers["Content-Disposition"]
    numbers = {row[0] for row in _csv(expiring)[1:]}
    assert numbers <= _numbers(offices.inside)
    assert not numbers & _numbers(offices.outside)


FIGURES = ("people-trained", "seminars-held", "certificates-issued", "certificates-valid",
           "certificates-revoked")


def _figures(page: str) -> dict:
    return {name: figure(page, name) for name in FIGURES}


def test_a_regional_dashboard_equals_the_register_filtered_by_hand(client, login_as,
                                                                   report_world):
    from registry.catalog.services import region_and_below

    year = (date(YEAR, 1, 1), date(YEAR, 12, 31))
    login_as(report_world.users["official"])
    everything = _figures(dashboard(client))
    for name in ("tashkent", "fergana"):
        region = report_world.regions[name]
        subtree = set(db.session.scalars(region_and_below(region.id)))
        held_there = {s.id for s in db.session.scalars(select(Seminar))
                      if s.region_id in subtree}
        login_as(fixtures.create_user("official", region=region))
        page = dashboard(client)
        assert _figures(page) == independent_figures(*year, seminar_ids=held_there), name
        assert f"works within {region.name}" in page
    # The figure cache keeps each scope apart: the whole country is unchanged.
    login_as("official")
    assert _figures(dashboard(client)) == everything
    # Worked out from the fixture's docstring: Tashkent holds s1 (Chilonzor) and s3.
    login_as(fixtures.create_user("official", region=report_world.regions["tashkent"]))
    page = dashboard(client)
    assert _figures(page) == {"people-trained": 3, "seminars-held": 2,
                              "certificates-issued": 2, "certificates-valid": 1,
                              "certificates-revoked": 1}
    # Its region breakdown opens at Tashkent: the districts, not Fergana.
    assert set(breakdown_table(page, "region")) == {"Chilonzor", "Tashkent (not in a district)"}


def _seminar_form(course, trainer, region):
    return {"course_id": str(course.id), "title": "", "start_date": "2026-04-06",
            "end_date": "", "dates": "", "venue": "Quva, hokimiyat", "region_id":
            str(region.id) if region else "", "language": "uz", "capacity": "12",
            "waitlist_enabled": "y", "trainer_ids": [str(trainer.id)]}


def test_a_regional_trainer_plans_seminars_only_inside_their_region(client, login_as,
                                                                    offices, count_rows):
    trainer = login_as(fixtures.create_user("trainer", region=offices.fergana))
    course = fixtures.create_course()
    form = client.get("/seminars/new").get_data(as_text=True)
    offered = set(re.findall(r'<option [^>]*value="(\d+)"', form.split('name="region_id"')[1]
                             .split("</select>")[0]))
    assert offered == {str(offices.fergana.id), str(offices.quva.id)}
    before = count_rows(Seminar)
    for region in (offices.tashkent, None):
        refused = client.post("/seminars/new", data=_seminar_form(course, trainer, region))
        assert refused.status_code == 200
        assert "within your own region" in refused.get_data(as_text=True) \
            or "Not a valid choice" in refused.get_data(as_text=True)
        assert count_rows(Seminar) == before
    planned = client.post("/seminars/new", data=_seminar_form(course, trainer, offices.quva))
    assert planned.status_code == 302
    assert count_rows(Seminar) == before + 1


def test_the_service_refuses_a_seminar_outside_the_planners_region(offices):
    from registry.errors import DomainError
    from registry.seminars.services import create_seminar

    trainer = fixtures.create_user("trainer", region=offices.fergana)
    course = fixtures.create_course()
    with pytest.raises(DomainError, match="within your own region") as refused:
        create_seminar(course=course, actor=trainer, capacity=10, trainers=[trainer],
                       start_date=date(2026, 4, 6), region_id=offices.tashkent.id)
    assert refused.value.field == "region_id"
    # An unscoped official cannot give a Tashkent seminar to Fergana's trainer either.
    with pytest.raises(DomainError, match="works within another region") as refused:
        create_seminar(course=course, actor=fixtures.create_user("official"), capacity=10,
                       trainers=[trainer], start_date=date(2026, 4, 6),
                       region_id=offices.tashkent.id)
    assert refused.value.field == "trainer_ids"
    db.session.rollback()


def test_the_admin_gives_an_account_its_region_on_the_user_page(client, login_as, offices):
    login_as(offices.admin)
    official = fixtures.create_user("official")
    data = {"email": official.email, "name": official.name, "role": "official", "locale": "",
            "region_id": str(offices.fergana.id)}
    assert client.post(f"/admin/users/{official.id}", data=data).status_code == 302
    db.session.expire_all()
    assert official.region_id == offices.fergana.id
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user.update", AuditEvent.record_id == official.id)).one()
    assert "region_id" in str(event.details)
    listing = client.get("/admin/users/?role=official").get_data(as_text=True)
    assert "Fargʻona viloyati" in listing
    # An administrator is never scoped: the form says so next to the field.
    refused = client.post(f"/admin/users/{offices.admin.id}",
                          data={**data, "email": offices.admin.email, "role": "admin"})
    assert refused.status_code == 200
    assert "An administrator works on the whole country" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert offices.admin.region_id is None
    # Emptied again: the whole country.
    client.post(f"/admin/users/{official.id}", data={**data, "region_id": ""})
    db.session.expire_all()
    assert official.region_id is None


def test_flask_create_user_with_a_region_code(app, offices):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-user", "--email", "fergana@agency.uz", "--role",
                               "official", "--password", "Fargona-office-2026", "--region",
                               "uz-fa"])
    assert made.exit_code == 0, made.output
    assert "working within Fargʻona viloyati (UZ-FA)" in made.output
    user = db.session.scalar(select(User).where(User.email == "fergana@agency.uz"))
    assert user.region_id == offices.fergana.id
    for args, message in (
            (["--role", "official", "--region", "XX-00"], "No region has the code XX-00"),
            (["--role", "admin", "--region", "UZ-FA"], "An administrator works on the whole")):
        refused = runner.invoke(args=["create-user", "--email", "other@agency.uz",
                                      "--password", "Another-office-2026", *args])
        assert refused.exit_code != 0 and message in refused.output
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email == "other@agency.uz")) == 0


def test_the_database_refuses_a_scoped_administrator(offices):
    from sqlalchemy.exc import IntegrityError

    offices.admin.region_id = offices.fergana.id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_regional_official_sees_the_person_they_just_entered(client, login_as, offices):
    official = login_as(fixtures.create_user("official", region=offices.fergana))
    theirs = fixtures.create_person("Зарина Ҳамроева", added_by=official)
    someone_elses = fixtures.create_person("Зарина Ҳамроева", added_by=offices.admin)
    db.session.commit()
    assert client.get(f"/people/{theirs.id}").status_code == 200
    assert client.get(f"/people/{someone_elses.id}").status_code == 403
    listed = client.get("/people/?q=Ҳамроева").get_data(as_text=True)
    assert f"/people/{theirs.id}" in listed and f"/people/{someone_elses.id}\"" not in listed


def test_the_work_queue_of_a_regional_official_holds_their_region_only(client, login_as,
                                                                       offices):
    waiting_inside = fixtures.create_completed_seminar((("Нодира Эшонқулова", 3, 90),),
                                                       region=offices.quva,
                                                       title="Quva auditors, group 2")
    waiting_outside = fixtures.create_completed_seminar((("Сарнай Батбаяр", 3, 90),),
                                                        region=offices.tashkent,
                                                        title="Toshkent auditors, group 7")
    db.session.commit()
    login_as("official")
    everyone = client.get("/").get_data(as_text=True)  # fills the queue's cache first
    assert waiting_inside.title in everyone and waiting_outside.title in everyone
    login_as(fixtures.create_user("official", region=offices.fergana))
    page = client.get("/").get_data(as_text=True)
    assert waiting_inside.title in page and waiting_outside.title not in page
