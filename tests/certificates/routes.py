"""Certificate routes (staff) in the permission matrix (see tests/permission_world.py).

``setup`` adds a completed seminar taught by ``world.users["trainer"]`` with one issued
certificate and one participant still eligible. Certificates are the office's business: the
trainer who taught the seminar is refused like any other trainer (separation of duties).
"""
from tests.permission_world import ADMIN, OFFICE, Route


def _certificate(w):
    return w.extra["certificate"].id


def _job(w):
    return w.extra["print_job"].id


def _seminar(w):
    return w.extra["certified_seminar"].id


ROUTES = {
    "certificates.index": Route(lambda w: "/certificates/?q=Ўроқов", allowed=OFFICE),
    "certificates.export": Route(lambda w: "/certificates/register.csv?status=valid",
                                 allowed=OFFICE),
    "certificates.show": Route(lambda w: f"/certificates/{_certificate(w)}", allowed=OFFICE, scoped=True),
    "certificates.pdf": Route(lambda w: f"/certificates/{_certificate(w)}.pdf", allowed=OFFICE, scoped=True),
    "certificates.seminar": Route(lambda w: f"/certificates/seminar/{_seminar(w)}",
                                  allowed=OFFICE, scoped=True),
    "certificates.issue_all": Route(lambda w: f"/certificates/seminar/{_seminar(w)}/issue",
                                    method="POST", allowed=OFFICE, scoped=True),
    "certificates.issue_one": Route(
        lambda w: f"/certificates/registration/{w.extra['eligible'].id}/issue", method="POST",
        allowed=OFFICE, scoped=True),
    "certificates.seminar_pdf": Route(
        lambda w: f"/certificates/seminar/{_seminar(w)}/certificates.pdf", allowed=OFFICE, scoped=True),
    "certificates.seminar_zip": Route(
        lambda w: f"/certificates/seminar/{_seminar(w)}/certificates.zip", allowed=OFFICE, scoped=True),
    "certificates.reissue": Route(lambda w: f"/certificates/{_certificate(w)}/reissue",
                                  allowed=OFFICE, scoped=True),
    "certificates.change_status": Route(lambda w: f"/certificates/{_certificate(w)}/suspend",
                                        allowed=OFFICE, scoped=True),
    "certificates.start_printing": Route(
        lambda w: f"/certificates/seminar/{_seminar(w)}/print", method="POST", allowed=OFFICE, scoped=True),
    "certificates.print_job": Route(lambda w: f"/certificates/jobs/{_job(w)}", allowed=OFFICE, scoped=True),
    "certificates.print_job_status": Route(lambda w: f"/certificates/jobs/{_job(w)}.json",
                                           allowed=OFFICE, scoped=True),
    "certificates.print_job_file": Route(lambda w: f"/certificates/jobs/{_job(w)}.pdf",
                                         allowed=OFFICE, scoped=True),
    "certificates.settings": Route(lambda w: "/certificates/settings", allowed=ADMIN),
    "certificates.logo": Route(lambda w: "/certificates/settings/logo", allowed=ADMIN),
    "certificates.settings_preview": Route(lambda w: "/certificates/settings/preview.pdf?lang=ru",
                                           allowed=ADMIN),
    # The public path: anyone, signed in or not.
    "public.verify": Route(lambda w: f"/v/{w.extra['certificate'].public_code}", public=True),
    "public.verify_qr": Route(lambda w: f"/V/{w.extra['certificate'].public_code}", public=True),
    "public.verify_json": Route(lambda w: f"/v/{w.extra['certificate'].public_code}.json",
                                public=True),
    "public.unknown": Route(lambda w: "/v/", public=True),
    "public.logo": Route(lambda w: "/agency-logo", public=True),
    "public.keys": Route(lambda w: "/.well-known/registry-keys.json", public=True),
    "public.status_list": Route(lambda w: "/.well-known/registry-status.json", public=True),
    "public.check": Route(lambda w: "/check", public=True),
    "public.register": Route(lambda w: "/register?q=Ўроқов", public=True),
    "public.verifier": Route(lambda w: "/verify", public=True),
    "public.service_worker": Route(lambda w: "/sw.js", public=True),
}


def setup(world):
    from registry.certificates.services import issue_certificate
    from registry.extensions import db
    from tests import fixtures
    from tests.permission_world import seminar_trainers

    seminar = fixtures.create_completed_seminar(
        (("Ғайратжон Ўроқов", 3, 90), ("Билгүүн Өлзийбат", 3, 80)),
        course=world.course, trainers=seminar_trainers(world.users), region=world.region)
    first, second = sorted(seminar.registrations, key=lambda r: r.person.full_name)
    world.extra["certified_seminar"] = seminar
    world.extra["certificate"] = issue_certificate(second, issued_by=world.users["admin"])
    world.extra["eligible"] = first
    from registry.certificates.jobs import start_print_job

    world.extra["print_job"] = start_print_job(seminar, actor=world.users["admin"])
    db.session.commit()
