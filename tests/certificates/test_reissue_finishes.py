"""Re-issue finishes the job: a corrected name reaches the person's record when the official
says so (the tick box), the corrected PDF is offered at once, and a revoked certificate's PDF
is no longer offered. The forms are posted as a browser sends them (from the page)."""
from __future__ import annotations

from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.people import services as people_services
from registry.people.models import Person
from tests import fixtures
from tests.deployed.web import flashes, forms_of, text_of

HOLDER = "Shohruh Yoʻldoshev"
CORRECTED = "Shohrux Yoʻldoshev"
OTHER = "Shoxrux Yoʻldoshev"  # a colleague's correction, made while the form was open
REASON = "Spelling corrected from the passport (letter 17/204)."


def _reissue_form(client, certificate, query=""):
    """The re-issue form as the page renders it: its fields with their values, token included."""
    page = client.get(f"/certificates/{certificate.id}/reissue{query}").get_data(as_text=True)
    form = next(f for f in forms_of(page) if "reason" in dict(f.fields))
    return page, form.values()


def _person(person_id) -> Person:
    db.session.expire_all()
    return db.session.get(Person, person_id)


def _events(action, record_id=None):
    db.session.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == action)
    if record_id is not None:
        query = query.where(AuditEvent.record_id == record_id)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def test_the_tick_box_is_on_and_says_what_the_record_says_now(client, login_as):
    certificate = fixtures.create_certificate(HOLDER)
    login_as("official")
    page, values = _reissue_form(client, certificate)
    assert values["correct_person"] == "y"  # on by default
    assert values["person_name_seen"] == HOLDER
    text = text_of(page)
    assert "Also correct the person's record" in text
    assert f"The record now says “{HOLDER}” (Latin: —)" in text


def test_a_corrected_name_reaches_the_record_the_roster_and_the_next_certificate(
        client, login_as, pdf_reader):
    certificate = fixtures.create_certificate(HOLDER)
    person_id, seminar_id = certificate.person_id, certificate.seminar_id
    login_as("official")
    _page, values = _reissue_form(client, certificate)
    values.update(holder_name=CORRECTED, reason=REASON)
    response = client.post(f"/certificates/{certificate.id}/reissue", data=values)
    assert response.status_code == 302 and response.location.endswith("?reissued=1")
    page = client.get(response.location).get_data(as_text=True)
    messages = [text for _category, text in flashes(page)]
    assert messages[0].startswith(f"Revision 2 of {certificate.number} issued")
    assert "The person's record now says the corrected name too" in " ".join(messages)

    person = _person(person_id)
    assert person.full_name == CORRECTED
    assert client.get("/people/?q=Shohrux").get_data(as_text=True).count(CORRECTED) >= 1
    [event] = _events("person.update", person_id)
    assert event.details["reason"] == REASON
    assert event.details["certificate"] == f"{certificate.number}/2"
    assert event.details["changes"]["full_name"] == [HOLDER, CORRECTED]
    [reissue] = _events("certificate.reissue")
    assert reissue.details["person_corrected"] is True

    roster = text_of(client.get(f"/seminars/{seminar_id}").get_data(as_text=True))
    assert CORRECTED in roster and HOLDER not in roster

    # The corrected PDF is the page's primary step, and it is the new revision's.
    revision = db.session.scalars(select(Certificate).where(Certificate.revision == 2)).one()
    assert (f'<a class="button primary" href="/certificates/{revision.id}.pdf" '
            f'id="corrected-pdf">Download the corrected certificate (PDF)</a>') in page
    pdf = client.get(f"/certificates/{revision.id}.pdf")
    assert pdf.status_code == 200 and CORRECTED in pdf_reader.text(pdf.data)

    # The next certificate of this person prints the record's name: the corrected one.
    from registry.certificates.services import issue_certificate

    seminar = fixtures.create_completed_seminar(())
    registration = fixtures.create_registration(seminar, _person(person_id), present_days=3,
                                                exam_score=90)
    db.session.commit()
    assert issue_certificate(registration, issued_by=fixtures.create_user("official")
                             ).holder_name == CORRECTED


def test_unticked_the_record_stays_as_it_was(client, login_as):
    certificate = fixtures.create_certificate(HOLDER)
    login_as("official")
    _page, values = _reissue_form(client, certificate)
    del values["correct_person"]  # a browser sends nothing for an unticked box
    values.update(holder_name=CORRECTED, reason=REASON)
    response = client.post(f"/certificates/{certificate.id}/reissue", data=values,
                           follow_redirects=True)
    messages = " ".join(text for _c, text in flashes(response.get_data(as_text=True)))
    assert f"The person's record was left as it was: “{HOLDER}”." in messages
    assert _person(certificate.person_id).full_name == HOLDER
    assert _events("person.update") == []
    assert _events("certificate.reissue")[0].details["person_corrected"] is False


def test_a_latin_name_alone_is_carried_over_and_the_full_name_left(client, login_as):
    certificate = fixtures.create_certificate("Шоҳрух Йўлдошев")
    login_as("official")
    _page, values = _reissue_form(client, certificate)
    # Issued with the derived "Shohrux Yoʻldoshev"; the passport spells it otherwise.
    assert certificate.holder_latin_name == "Shohrux Yoʻldoshev"
    values.update(holder_latin_name="Shokhrukh Yuldoshev", reason=REASON)
    client.post(f"/certificates/{certificate.id}/reissue", data=values)
    person = _person(certificate.person_id)
    assert (person.full_name, person.latin_name) == ("Шоҳрух Йўлдошев", "Shokhrukh Yuldoshev")
    [event] = _events("person.update", person.id)
    assert list(event.details["changes"]) == ["latin_name"]


def test_another_detail_corrected_leaves_the_record_alone_even_ticked(client, login_as):
    certificate = fixtures.create_certificate(HOLDER)
    login_as("official")
    _page, values = _reissue_form(client, certificate)
    values.update(hours="30", reason="The course had 30 hours.")
    response = client.post(f"/certificates/{certificate.id}/reissue", data=values,
                           follow_redirects=True)
    messages = " ".join(text for _c, text in flashes(response.get_data(as_text=True)))
    assert "person's record" not in messages
    assert _events("person.update") == []


def test_a_record_changed_meanwhile_is_not_overwritten_unseen(client, login_as, count_rows):
    certificate = fixtures.create_certificate(HOLDER)
    official = login_as("official")
    _page, values = _reissue_form(client, certificate)
    # While the form is open, a colleague corrects the record another way.
    people_services.update_person(_person(certificate.person_id),
                                  {"full_name": OTHER}, actor=official)
    db.session.commit()
    values.update(holder_name=CORRECTED, reason=REASON)
    response = client.post(f"/certificates/{certificate.id}/reissue", data=values)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"The person's record was changed meanwhile: it now says “{OTHER}”" in \
        text_of(page)
    assert count_rows(Certificate) == 1  # nothing re-issued: the whole correction waits
    assert _person(certificate.person_id).full_name == OTHER
    # The form now shows (and remembers) what the record says: sent again, it goes through.
    again = next(f for f in forms_of(page) if "reason" in dict(f.fields)).values()
    assert again["person_name_seen"] == OTHER
    client.post(f"/certificates/{certificate.id}/reissue", data=again)
    assert count_rows(Certificate) == 2
    assert _person(certificate.person_id).full_name == CORRECTED


def test_a_record_already_corrected_the_same_way_is_no_conflict(client, login_as, count_rows):
    certificate = fixtures.create_certificate(HOLDER)
    official = login_as("official")
    _page, values = _reissue_form(client, certificate)
    people_services.update_person(_person(certificate.person_id), {"full_name": CORRECTED},
                                  actor=official)
    db.session.commit()
    values.update(holder_name=CORRECTED, reason=REASON)
    client.post(f"/certificates/{certificate.id}/reissue", data=values)
    assert count_rows(Certificate) == 2
    assert len(_events("person.update", certificate.person_id)) == 1  # only the colleague's


def test_a_reissue_that_decides_a_review_item_corrects_the_record_too(client, login_as):
    from registry.seminars.corrections import correct_record

    certificate = fixtures.create_certificate(HOLDER)
    registration = certificate.registration
    result = correct_record(registration, actor=fixtures.create_user("official"),
                            reason="Papers swapped (memo 7).", exam_score=80,
                            attendance={day.id: True for day in registration.seminar.days})
    db.session.commit()
    item_id = result.review_item.id
    login_as("official")
    query = f"?review={item_id}"
    _page, values = _reissue_form(client, certificate, query)
    values.update(holder_name=CORRECTED, reason="Re-marked; the name corrected too.")
    client.post(f"/certificates/{certificate.id}/reissue{query}", data=values)
    assert _person(certificate.person_id).full_name == CORRECTED
    [event] = _events("person.update", certificate.person_id)
    assert event.details["reason"] == "Re-marked; the name corrected too."


def test_a_revoked_certificate_offers_no_pdf_and_says_why(client, login_as):
    certificate = fixtures.create_certificate(HOLDER)
    login_as("official")
    page = client.get(f"/certificates/{certificate.id}/revoke").get_data(as_text=True)
    form = next(f for f in forms_of(page) if "reason" in dict(f.fields))
    values = {**form.values(), "reason": form.option_value("reason", "Issued in error"),
              "note": "Exam papers of two groups were swapped."}
    client.post(f"/certificates/{certificate.id}/revoke", data=values)
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert f"/certificates/{certificate.id}.pdf" not in page
    assert ("No PDF: a revoked certificate is not valid, so it is not printed any more."
            in text_of(page))
    for url in (f"/certificates/{certificate.id}.pdf",
                f"/certificates/{certificate.id}.pdf?preprinted=1"):
        response = client.get(url)
        assert response.status_code == 410 and response.mimetype == "text/html"
        assert (f"Certificate {certificate.printed_number} is revoked: it is not valid"
                in text_of(response.get_data(as_text=True)))


def test_a_valid_certificate_still_offers_its_pdf_without_the_reissue_step(client, login_as):
    certificate = fixtures.create_certificate(HOLDER)
    login_as("official")
    page = client.get(f"/certificates/{certificate.id}?reissued=1").get_data(as_text=True)
    assert f"/certificates/{certificate.id}.pdf" in page and "No PDF" not in page
    # Revision 1 was never re-issued: ?reissued=1 typed by hand shows no "corrected" step.
    assert "corrected-pdf" not in page
