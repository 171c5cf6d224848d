"""Every POST route of the app, submitted over HTTPS through nginx in production mode, as a
person would: signed in with a role that may do it, the page that carries the form opened,
the form sent with its CSRF token and the page as Referer - and the effect checked.

The list of routes is the app's own URL map: a new POST route fails
``test_every_post_route_has_a_scenario`` until a scenario below submits it. Each scenario's
test also checks that the route was really reached by a POST and answered neither 400 (the
CSRF or Referer check) nor a 5xx.

Data is made in-process with ``tests/fixtures.py`` and committed; gunicorn reads the same
database. After the HTTP calls, ``db.session.rollback()`` lets the test see what it wrote.
"""
from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.extensions import db
from tests import fixtures
from tests.deployed.web import Visitor, flashes, sign_in, text_of

pytestmark = pytest.mark.deployed


@dataclass
class Scene:
    """What a scenario works with: the stack and the visitors it opened."""

    stack: object
    visitors: list = field(default_factory=list)

    def visitor(self) -> Visitor:
        visitor = self.stack.visitor()
        self.visitors.append(visitor)
        return visitor

    def signed_in(self, role: str, **user) -> tuple[Visitor, object]:
        """A new user of ``role`` (``tests.fixtures.create_user``) signed in through /login."""
        account = fixtures.create_user(role, **user)
        visitor = self.visitor()
        sign_in(visitor, account.email)
        return visitor, account


SCENARIOS: dict = {}  # endpoint -> (function(scene), stack options)


def scenario(*endpoints, **stack_options):
    def register(function):
        for endpoint in endpoints:
            assert endpoint not in SCENARIOS, endpoint
            SCENARIOS[endpoint] = (function, stack_options)
        return function

    return register


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def said(response, category: str = "success") -> list[str]:
    return [text for kind, text in flashes(response.text) if kind == category]


def fresh(model, ident):
    db.session.rollback()  # a new transaction sees what gunicorn committed
    return db.session.get(model, ident)


# --- sign-in, sign-out, one's own password --------------------------------------------------

@scenario("auth.login")
def _login(scene):
    fixtures.create_user("trainer", email="dilnoza@registry.test", name="Дилноза Раҳимова")
    visitor = scene.visitor()
    wrong = visitor.submit("/login", {"email": "dilnoza@registry.test",
                                      "password": "not the password"})
    assert wrong.status_code == 200 and "Email or password is not correct." in said(wrong, "error")
    page = sign_in(visitor, "dilnoza@registry.test")
    assert page.url == f"{scene.stack.url}/"
    assert "Welcome, Дилноза Раҳимова." in said(page)


@scenario("auth.logout")
def _logout(scene):
    visitor, _user = scene.signed_in("official")
    response = visitor.submit("/", action="/logout")
    assert response.url == f"{scene.stack.url}/login"
    assert "You have signed out." in said(response, "info")
    assert visitor.get("/certificates/", allow_redirects=False).status_code == 302


@scenario("auth.change_password")
def _change_password(scene):
    visitor, user = scene.signed_in("trainer")
    new = "a new and longer passphrase"
    response = visitor.submit("/account/password", {
        "current_password": fixtures.TEST_PASSWORD, "password": new, "confirm": new})
    assert "Your password has been changed; your other sessions have ended." in said(response)
    assert "Sign out" in visitor.page("/").text  # this session goes on
    sign_in(scene.visitor(), user.email, new)


@scenario("auth.sign_out_everywhere")
def _sign_out_everywhere(scene):
    visitor, user = scene.signed_in("official")
    other = scene.visitor()
    sign_in(other, user.email)
    response = visitor.submit("/account/sessions", button="Sign out everywhere")
    assert response.url == f"{scene.stack.url}/login"
    assert "You have signed out of 2 sessions." in said(response, "info")
    for device in (visitor, other):
        assert device.get("/certificates/", allow_redirects=False).status_code == 302


# --- user management (admin) ----------------------------------------------------------------

@scenario("users.create")
def _create_user(scene):
    admin, _user = scene.signed_in("admin")
    page = admin.page("/admin/users/new")
    response = admin.submit(page, {"email": "bolor@registry.test", "name": "Болор Энх",
                                   "role": "official", "password": "first password 2026"})
    assert response.url == f"{scene.stack.url}/admin/users/"
    assert "Account for bolor@registry.test created." in said(response)
    sign_in(scene.visitor(), "bolor@registry.test", "first password 2026")


@scenario("users.edit")
def _edit_user(scene):
    admin, _user = scene.signed_in("admin")
    official = fixtures.create_user("official", email="anvar@registry.test")
    response = admin.submit(f"/admin/users/{official.id}", {"name": "Анвар Каримов"},
                            button="Save")
    assert "Account anvar@registry.test saved." in said(response)
    from registry.auth.models import User

    assert fresh(User, official.id).name == "Анвар Каримов"


@scenario("users.reset_password")
def _reset_password(scene):
    admin, _user = scene.signed_in("admin")
    official = fixtures.create_user("official", email="anvar@registry.test")
    response = admin.submit(f"/admin/users/{official.id}",
                            {"reset-password": "reset by the admin 1"},
                            action=f"/admin/users/{official.id}/password")
    assert "New password set for anvar@registry.test." in said(response)
    sign_in(scene.visitor(), "anvar@registry.test", "reset by the admin 1")


@scenario("users.unlock")
def _unlock(scene):
    admin, _user = scene.signed_in("admin")
    official = fixtures.create_user("official", email="anvar@registry.test")
    guesser = scene.visitor()
    for _ in range(6):
        guesser.submit("/login", {"email": "anvar@registry.test", "password": "a wrong one"})
    assert guesser.last.status_code == 429
    page = admin.page(f"/admin/users/{official.id}")
    assert "refused until" in text_of(page.text)
    response = admin.submit(page, button="Lift the refusals")
    assert "Sign-in is open again for anvar@registry.test (1 address was refused)." in \
        said(response)
    sign_in(guesser, "anvar@registry.test")


@scenario("users.set_active")
def _set_active(scene):
    admin, _user = scene.signed_in("admin")
    official, _account = scene.signed_in("official", email="anvar@registry.test")
    response = admin.submit(f"/admin/users/{_account.id}", button="Deactivate account")
    assert "Account anvar@registry.test deactivated; its sessions have ended." in said(response)
    assert official.get("/certificates/", allow_redirects=False).status_code == 302
    refused = scene.visitor().submit("/login", {"email": "anvar@registry.test",
                                                "password": fixtures.TEST_PASSWORD})
    assert "Sign out" not in refused.text


# --- reference data (admin) -----------------------------------------------------------------

@scenario("catalog.create")
def _create_reference(scene):
    admin, _user = scene.signed_in("admin")
    response = admin.submit("/reference/sectors/new",
                            {"code": "TEX", "name": "Тўқимачилик саноати"})
    assert response.url == f"{scene.stack.url}/reference/sectors"
    assert "“Тўқимачилик саноати” added." in said(response)


@scenario("catalog.edit")
def _edit_reference(scene):
    admin, _user = scene.signed_in("admin")
    sector = fixtures.create_sector("Textiles", code="TEX")
    response = admin.submit(f"/reference/sectors/{sector.id}", {"name": "Тўқимачилик"})
    assert "“Тўқимачилик” saved." in said(response)
    assert "Тўқимачилик" in response.text


@scenario("catalog.delete")
def _delete_reference(scene):
    from registry.catalog.models import Sector

    admin, _user = scene.signed_in("admin")
    sector = fixtures.create_sector("Unused sector")
    response = admin.submit(f"/reference/sectors/{sector.id}/delete")
    assert "“Unused sector” deleted." in said(response)
    assert fresh(Sector, sector.id) is None


# --- seminars (the trainer who teaches it) ----------------------------------------------------

@scenario("seminars.create")
def _create_seminar(scene):
    trainer, user = scene.signed_in("trainer")
    course = fixtures.create_course(code="QMS-IA", days=2)
    page = trainer.page("/seminars/new")
    start = date.today() + timedelta(days=30)
    form = trainer.form(page, button="Save")
    response = trainer.submit(page, {
        "course_id": form.option_value("course_id", "(QMS-IA)"),
        "title": "Ички аудитор — Тошкент", "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=1)).isoformat(), "venue": "Тошкент, 2-зал",
        "capacity": "12"}, button="Save")
    assert "Seminar “Ички аудитор — Тошкент” planned." in " ".join(said(response))
    assert response.url.rsplit("/", 1)[1].isdigit()
    from registry.seminars.models import Seminar

    seminar = fresh(Seminar, int(response.url.rsplit("/", 1)[1]))
    assert seminar.status == "draft" and [t.id for t in seminar.trainers] == [user.id]


@scenario("seminars.edit")
def _edit_seminar(scene):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user])
    response = trainer.submit(f"/seminars/{seminar.id}/edit", {"venue": "Самарқанд, 1-зал"},
                              button="Save")
    assert f"Seminar “{seminar.title}” saved." in said(response)
    assert "Самарқанд, 1-зал" in response.text


@scenario("seminars.change_status")
def _change_seminar_status(scene):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user], status="draft")
    opened = trainer.submit(f"/seminars/{seminar.id}", button="Open for registration")
    assert "The seminar is open for registration." in said(opened)
    started = trainer.submit(opened, button="Start the seminar")
    assert said(started)[0].startswith("The seminar is in progress")


@scenario("seminars.cancel")
def _cancel_seminar(scene):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user])
    response = trainer.submit(f"/seminars/{seminar.id}/cancel",
                              {"reason": "Зал таъмирда; гуруҳ кейинги ойга кўчирилди."},
                              button="Cancel the seminar")
    assert f"Seminar “{seminar.title}” cancelled." in said(response)
    from registry.seminars.models import Seminar

    assert fresh(Seminar, seminar.id).status == "cancelled"


@scenario("seminars.complete")
def _complete_seminar(scene):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user], status="in_progress",
                                      start=date.today() - timedelta(days=5))
    fixtures.create_registration(seminar, fixtures.create_person("Батбаяр Дорж"),
                                 present_days=3, exam_score=88)
    response = trainer.submit(f"/seminars/{seminar.id}/complete",
                              button="Complete the seminar")
    assert f"Seminar “{seminar.title}” completed." in said(response)
    assert "1 passed" in text_of(response.text)


@scenario("seminars.register")
def _register(scene):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user])
    fixtures.create_person("Гулнора Ҳасанова", added_by=user)  # theirs to see (not registered)
    response = trainer.submit(f"/seminars/{seminar.id}/register?q=Ҳасанова",
                              button="Register Гулнора Ҳасанова")
    # The trainer stays on the register page for the next person ("add another").
    assert response.url == f"{scene.stack.url}/seminars/{seminar.id}/register"
    assert "Гулнора Ҳасанова is registered." in said(response)
    assert "1 of 20 seats taken." in text_of(response.text)


@scenario("seminars.register_new")
def _register_new(scene):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user])
    response = trainer.submit(f"/seminars/{seminar.id}/register/new",
                              {"full_name": "Nguyễn Thị Thắm", "position": "Trưởng phòng"},
                              button="Add and register")
    assert "Nguyễn Thị Thắm is registered." in said(response)


@scenario("seminars.cancel_registration")
def _cancel_registration(scene):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user])
    fixtures.create_registration(seminar, fixtures.create_person("Oʻlmas Gʻaniyev"))
    response = trainer.submit(f"/seminars/{seminar.id}",
                              button="Cancel registration — Oʻlmas Gʻaniyev")
    assert "Registration of Oʻlmas Gʻaniyev cancelled." in said(response)


@scenario("seminars.attendance")
def _attendance(scene):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user], status="in_progress",
                                      start=date.today())
    for name in ("Өлзийбаяр Батболд", "Мөнхзул Дорж"):
        fixtures.create_registration(seminar, fixtures.create_person(name))
    day = seminar.days[0]
    response = trainer.submit(f"/seminars/{seminar.id}/days/{day.id}/attendance",
                              button="Mark all present and save")
    assert any(text.endswith("saved: 2 present, 0 absent.") for text in said(response))


@scenario("seminars.results")
def _results(scene):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user], status="in_progress",
                                      start=date.today() - timedelta(days=3))
    first = fixtures.create_registration(seminar, fixtures.create_person("Ғайратжон Ўроқов"),
                                         present_days=3)
    second = fixtures.create_registration(seminar, fixtures.create_person("Батбаяр Дорж"),
                                          present_days=3)
    response = trainer.submit(f"/seminars/{seminar.id}/results",
                              {f"score-{first.id}": "92", f"score-{second.id}": "55"},
                              button="Save results")
    assert "Results saved (2 changed)." in said(response)
    from registry.seminars.models import Registration

    assert fresh(Registration, first.id).exam_score == 92


def _roster_file() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["№", "Ф.И.Ш.", "Tashkilot", "Lavozimi"])
    sheet.append([1, "Ғайратжон Ўроқов", "Тошкент ип йигириш МЧЖ", "Сифат бўлими бошлиғи"])
    sheet.append([2, "Батбаяр Дорж", "Эрдэнэт үйлдвэр ХХК", "Чанарын менежер"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(scene, *, confirm: bool):
    trainer, user = scene.signed_in("trainer")
    seminar = fixtures.create_seminar(trainers=[user])
    file = ("participants.xlsx", _roster_file(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    preview = trainer.submit(f"/seminars/{seminar.id}/import", button="Check the file",
                             files={"file": file})  # multipart, through nginx
    assert preview.status_code == 200
    assert "Preview of participants.xlsx" in preview.text
    if not confirm:
        return
    response = trainer.submit(preview, button="Import 2 participants")
    assert response.url == f"{scene.stack.url}/seminars/{seminar.id}"
    assert ("2 participants registered (2 new people, 0 on the waiting list); "
            "0 were already on the list.") in said(response)


@scenario("seminars.import_list")
def _import_preview(scene):
    _import(scene, confirm=False)


@scenario("seminars.import_confirm")
def _import_confirmed(scene):
    _import(scene, confirm=True)


# --- participants -----------------------------------------------------------------------------

@scenario("people.create")
def _create_person(scene):
    trainer, _user = scene.signed_in("trainer")
    response = trainer.submit("/people/new", {"full_name": "Үүрцайх Гантулга",
                                              "email": "uurtsaikh@example.mn"}, button="Save")
    assert "Үүрцайх Гантулга added." in said(response)
    assert "/people/" in response.url


@scenario("people.edit")
def _edit_person(scene):
    official, _user = scene.signed_in("official")
    person = fixtures.create_person("Гулнора Ҳасанова")
    response = official.submit(f"/people/{person.id}/edit", {"position": "Сифат муҳандиси"},
                               button="Save")
    assert "Гулнора Ҳасанова saved." in said(response)
    assert "Сифат муҳандиси" in response.text


@scenario("people.merge")
def _merge_people(scene):
    official, _user = scene.signed_in("official")
    duplicate = fixtures.create_person("Гулнора Ҳасанова")
    kept = fixtures.create_person("Гулнора Ҳасанова", email="gulnora@example.uz")
    response = official.submit(f"/people/{duplicate.id}/merge?target_id={kept.id}",
                               button="Merge into")
    assert response.url == f"{scene.stack.url}/people/{kept.id}", flashes(response.text)
    assert response.url == f"{scene.stack.url}/people/{kept.id}"
    assert "Гулнора Ҳасанова was merged into Гулнора Ҳасанова." in said(response)


# --- certificates (the office) ------------------------------------------------------------------

def _completed_seminar():
    return fixtures.create_completed_seminar(
        (("Ғайратжон Ўроқов", 3, 92), ("Nguyễn Thị Thắm", 3, 85), ("Батбаяр Дорж", 3, 55)))


@scenario("certificates.issue_all")
def _issue_all(scene):
    official, _user = scene.signed_in("official")
    seminar = _completed_seminar()
    response = official.submit(f"/certificates/seminar/{seminar.id}",
                               button="Issue all 2 eligible")
    assert response.url == f"{scene.stack.url}/certificates/seminar/{seminar.id}"
    assert said(response)[0].startswith("2 certificates issued: ")


@scenario("certificates.issue_one")
def _issue_one(scene):
    official, _user = scene.signed_in("official")
    seminar = _completed_seminar()
    response = official.submit(f"/certificates/seminar/{seminar.id}",
                               button="Issue — Nguyễn Thị Thắm")
    assert any(text.startswith("Certificate ") and text.endswith(" issued to Nguyễn Thị Thắm.")
               for text in said(response))


@scenario("certificates.reissue")
def _reissue(scene):
    official, _user = scene.signed_in("official")
    certificate = fixtures.create_certificate("Ғайратжон Ўроқов")
    response = official.submit(f"/certificates/{certificate.id}/reissue", {
        # Issued with the derived "Gʻayratjon Oʻroqov"; the passport spells it otherwise.
        "holder_name": "Ғайратжон Ўроқов", "holder_latin_name": "Gayratjon Orokov",
        "reason": "The Latin spelling differs from the passport (letter 17/204)."},
        button="Re-issue as a new revision")
    assert said(response)[0].startswith(f"Revision 2 of {certificate.number} issued")
    # The tick box is on by default: the person's record takes the corrected Latin name.
    assert "The person's record now says the corrected name too" in " ".join(said(response))
    from registry.people.models import Person

    assert fresh(Person, certificate.person_id).latin_name == "Gayratjon Orokov"
    # The corrected PDF is offered at once, and it is the new revision's.
    assert "Download the corrected certificate (PDF)" in text_of(response.text)
    revision = response.url.split("/certificates/")[1].split("?")[0]
    pdf = official.get(f"/certificates/{revision}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    old = official.get(f"/v/{certificate.public_code}")
    assert "superseded" in text_of(old.text).lower()


@scenario("certificates.change_status")
def _revoke(scene):
    from registry.certificates.models import Certificate

    official, _user = scene.signed_in("official")
    certificate = fixtures.create_certificate()
    page = official.page(f"/certificates/{certificate.id}/revoke")
    form = official.form(page, button="Revoke")
    response = official.submit(page, {"reason": form.option_value("reason", "Issued in error"),
                                      "note": "Exam papers of two groups were swapped."},
                               button="Revoke")
    assert f"Certificate {certificate.printed_number} revoked." in said(response)
    assert fresh(Certificate, certificate.id).status == "revoked"
    public = scene.visitor().get(f"/v/{certificate.public_code}")
    assert 'id="status-word">REVOKED<' in public.text
    # Its PDF is no longer offered, and the address says why (410).
    assert f"/certificates/{certificate.id}.pdf" not in response.text
    gone = official.get(f"/certificates/{certificate.id}.pdf")
    assert gone.status_code == 410 and "is revoked: it is not valid" in text_of(gone.text)


@scenario("seminars.correct")
def _correct_record(scene):
    from registry.reviews.models import ReviewItem
    from registry.seminars.models import Registration

    official, _user = scene.signed_in("official")
    certificate = fixtures.create_certificate("Шаҳноза Ғуломова")
    registration = certificate.registration
    response = official.submit(
        f"/seminars/{registration.seminar_id}/registrations/{registration.id}/correct",
        {"exam_score": "45", "reason": "Exam papers of two groups were swapped (memo 7)."},
        button="Correct the record")
    assert "The record of Шаҳноза Ғуломова was corrected." in said(response)
    assert fresh(Registration, registration.id).exam_score == 45
    item = db.session.scalars(select(ReviewItem)).one()
    assert item.certificate_id == certificate.id and item.status == "open"
    assert "Record corrected after issue" in text_of(response.text)


@scenario("reviews.show")
def _decide_review(scene):
    from registry.reviews.models import ReviewItem
    from registry.seminars.corrections import correct_record

    official, _user = scene.signed_in("official")
    certificate = fixtures.create_certificate("Батбаяр Дорж")
    registration = certificate.registration
    item = correct_record(registration, actor=fixtures.create_user("official"),
                          reason="Re-marked.", exam_score=85,
                          attendance={day.id: True for day in registration.seminar.days}
                          ).review_item
    db.session.commit()
    response = official.submit(f"/reviews/{item.id}", {
        "decision": "keep", "reason": "Still above the pass mark."}, button="Decide")
    assert "Decided: Keep the certificate as it is." in said(response)
    closed = fresh(ReviewItem, item.id)
    assert closed.status == "closed" and closed.decision_reason == "Still above the pass mark."


@scenario("reviews.appeal")
def _record_appeal(scene):
    from registry.reviews.models import ReviewItem

    official, _user = scene.signed_in("official")
    seminar = fixtures.create_completed_seminar((("Ойбек Тошматов", 3, 40),))
    db.session.commit()
    registration = seminar.registrations[0]
    response = official.submit(f"/reviews/appeal?registration={registration.id}", {
        "statement": "Two answers were marked wrong by mistake.", "received_on": ""},
        button="Record the appeal")
    assert said(response)[0].startswith("Appeal recorded")
    db.session.rollback()
    item = db.session.scalars(select(ReviewItem)).one()
    assert (item.kind, item.registration_id) == ("appeal_result", registration.id)


@scenario("certificates.settings")
def _settings(scene):
    from PIL import Image

    admin, _user = scene.signed_in("admin")
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (20, 60, 140)).save(buffer, "PNG")
    response = admin.submit("/certificates/settings", {
        "issuer_name": "Oʻzbekiston texnik jihatdan tartibga solish agentligi",
        "signatory_1_name": "Ботир Каримов", "signatory_1_title": "Директор",
        "contact_url": "https://uzstandard.uz", "contact_email": "info@uzstandard.uz",
        "contact_phone": "+998 71 202 00 11"},
        files={"logo": ("logo.png", buffer.getvalue(), "image/png")}, button="Save")
    assert said(response)[0].startswith("Issuer details saved.")
    logo = admin.get("/certificates/settings/logo")
    assert logo.status_code == 200 and logo.content == buffer.getvalue()
    # The public sees whose register it is: the name, the logo and the contact.
    public = scene.visitor().get("/check")
    assert "Oʻzbekiston texnik jihatdan tartibga solish agentligi" in public.text
    assert 'href="mailto:info@uzstandard.uz"' in public.text
    assert scene.visitor().get("/agency-logo").content == buffer.getvalue()


@scenario("certificates.settings_preview")
def _settings_preview(scene):
    import tempfile
    from pathlib import Path
    from urllib.parse import urljoin

    from tests.readers import PdfReader

    admin, _user = scene.signed_in("admin")
    page = admin.page("/certificates/settings")
    # "Preview with these changes": the settings form, posted to the preview, not saved.
    form = admin.form(page, button="Save")
    data = [(name, value) for name, value in form.fields if name != "issuer_name"]
    data.append(("issuer_name", "Sinov agentligi – saqlanmagan"))
    preview = admin.post(urljoin(page.url, "/certificates/settings/preview.pdf?lang=uz"), data,
                         referer=page.url)
    assert preview.status_code == 200
    assert preview.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(Path(tempfile.mkdtemp()))
    assert "Sinov agentligi – saqlanmagan" in reader.text(preview.content)
    saved = admin.page("/certificates/settings")
    assert "Sinov agentligi – saqlanmagan" not in saved.text


@scenario("certificates.start_printing", worker=True)
def _print(scene):
    official, _user = scene.signed_in("official")
    seminar = _completed_seminar()
    issued = official.submit(f"/certificates/seminar/{seminar.id}", button="Issue all")
    response = official.submit(issued, button="Print all (one PDF)", allow_redirects=False)
    assert response.status_code == 303
    job = response.headers["Location"]
    assert job.startswith("/certificates/jobs/")
    deadline = time.monotonic() + 90
    while (state := official.get(f"{job}.json").json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, f"the worker never finished: {state}"
        time.sleep(0.3)
    assert state["status"] == "done", state
    pdf = official.get(f"{job}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


# --- the public check ---------------------------------------------------------------------------

@scenario("public.check")
def _check(scene):
    certificate = fixtures.create_certificate("Nguyễn Thị Thắm")
    visitor = scene.visitor()
    not_found = visitor.submit("/check", {"number": certificate.printed_number,
                                          "surname": "Someone"})
    assert "No certificate matches this number and surname." in not_found.text
    found = visitor.submit("/check", {"number": certificate.printed_number,
                                      "surname": "Nguyễn"})
    assert found.url == f"{scene.stack.url}/v/{certificate.public_code}"
    assert 'id="status-word">VALID<' in found.text


@scenario("cases.report_problem")
def _report_problem(scene):
    from registry.reviews.models import ReviewItem

    certificate = fixtures.create_certificate("Ғайратжон Ўроқов")
    visitor = scene.visitor()
    page = visitor.page(f"/v/{certificate.public_code}")
    assert f"/v/{certificate.public_code}/report" in page.text  # the page offers it
    sent = visitor.submit(f"/v/{certificate.public_code}/report", {
        "problem": "paper_differs", "statement": "The paper says Ўроқова.",
        "contact": "+998 90 123 45 67"}, button="Send the report")
    assert "/cases/" in sent.url and "is looking at it" in sent.text
    db.session.rollback()
    item = db.session.scalars(select(ReviewItem)).one()
    assert item.kind == "problem_report" and item.certificate_id == certificate.id


# --- the tests (after every scenario above is registered) ------------------------------------

def test_every_post_route_has_a_scenario(app):
    routes = post_endpoints(app)
    missing = sorted(routes - set(SCENARIOS))
    assert not missing, (f"POST routes never submitted in deployed mode: {missing} - add a "
                         f"@scenario to tests/deployed/test_post_routes.py")
    assert not sorted(set(SCENARIOS) - routes), "scenarios for routes that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(SCENARIOS))
def test_post_route_in_deployed_mode(endpoint, start_stack):
    function, options = SCENARIOS[endpoint]
    scene = Scene(start_stack(**options))
    function(scene)
    posts = [post for visitor in scene.visitors for post in visitor.posts]
    assert any(post.endpoint == endpoint for post in posts), (
        f"the scenario never posted to {endpoint}: {[(p.endpoint, p.status) for p in posts]}")
    bad = [(p.url, p.status) for p in posts if p.status == 400 or p.status >= 500]
    assert not bad, f"{bad}\n{scene.stack.logs()}"
