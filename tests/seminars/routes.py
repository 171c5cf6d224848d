"""Seminar routes in the permission matrix (see tests/permission_world.py).

``world.seminar`` is in progress and taught by ``world.users["trainer"]``; "other_trainer"
teaches nothing here, so every seminar page refuses them.
"""
from tests.permission_world import ALL_STAFF, OFFICE, STAFF_ON_OWN, Route


def _day(w):
    return w.seminar.days[0].id


ROUTES = {
    "seminars.index": Route(lambda w: "/seminars/", allowed=ALL_STAFF),
    "seminars.create": Route(lambda w: "/seminars/new", allowed=ALL_STAFF),
    "seminars.show": Route(lambda w: f"/seminars/{w.seminar.id}", allowed=STAFF_ON_OWN, scoped=True),
    "seminars.edit": Route(lambda w: f"/seminars/{w.seminar.id}/edit", allowed=STAFF_ON_OWN, scoped=True),
    "seminars.change_status": Route(lambda w: f"/seminars/{w.seminar.id}/status", method="POST",
                                    allowed=STAFF_ON_OWN, scoped=True),
    "seminars.cancel": Route(lambda w: f"/seminars/{w.seminar.id}/cancel", allowed=STAFF_ON_OWN, scoped=True),
    "seminars.complete": Route(lambda w: f"/seminars/{w.seminar.id}/complete",
                               allowed=STAFF_ON_OWN, scoped=True),
    "seminars.register": Route(lambda w: f"/seminars/{w.seminar.id}/register?q=Ҳасанова",
                               allowed=STAFF_ON_OWN, scoped=True),
    "seminars.import_list": Route(lambda w: f"/seminars/{w.seminar.id}/import",
                                  allowed=STAFF_ON_OWN, scoped=True),
    "seminars.import_confirm": Route(lambda w: f"/seminars/{w.seminar.id}/import/confirm",
                                     method="POST", allowed=STAFF_ON_OWN, scoped=True),
    "seminars.import_template": Route(lambda w: f"/seminars/{w.seminar.id}/import/template.xlsx",
                                      allowed=STAFF_ON_OWN, scoped=True),
    "seminars.roster_export": Route(lambda w: f"/seminars/{w.seminar.id}/roster.xlsx",
                                    allowed=STAFF_ON_OWN, scoped=True),
    "seminars.register_new": Route(lambda w: f"/seminars/{w.seminar.id}/register/new",
                                   allowed=STAFF_ON_OWN, scoped=True),
    "seminars.cancel_registration": Route(
        lambda w: f"/seminars/{w.seminar.id}/registrations/{w.registration.id}/cancel",
        method="POST", allowed=STAFF_ON_OWN, scoped=True),
    "seminars.attendance": Route(lambda w: f"/seminars/{w.seminar.id}/days/{_day(w)}/attendance",
                                 allowed=STAFF_ON_OWN, scoped=True),
    "seminars.results": Route(lambda w: f"/seminars/{w.seminar.id}/results",
                              allowed=STAFF_ON_OWN, scoped=True),
    "seminars.correct": Route(
        lambda w: f"/seminars/{w.seminar.id}/registrations/{w.registration.id}/correct",
        allowed=OFFICE, scoped=True),
    "seminars.sign_in_sheet": Route(
        lambda w: f"/seminars/{w.seminar.id}/days/{_day(w)}/sign-in.pdf", allowed=STAFF_ON_OWN, scoped=True),
}
