"""Routes of the foundation (auth, users, reference data, audit, language)."""
from tests.permission_world import ADMIN, ALL_STAFF, Route

ROUTES = {
    "auth.login": Route(lambda w: "/login", public=True),
    "auth.logout": Route(lambda w: "/logout", method="POST", public=True),
    "auth.change_password": Route(lambda w: "/account/password"),
    "auth.account_sessions": Route(lambda w: "/account/sessions"),
    "auth.sign_out_everywhere": Route(lambda w: "/account/sessions/end-all", method="POST"),
    "health.healthz": Route(lambda w: "/healthz", public=True),
    "i18n.set_language": Route(lambda w: "/language/uz", public=True),
    "users.index": Route(lambda w: "/admin/users/", allowed=ADMIN),
    "users.create": Route(lambda w: "/admin/users/new", allowed=ADMIN),
    "users.edit": Route(lambda w: f"/admin/users/{w.users['official'].id}", allowed=ADMIN),
    "users.reset_password": Route(lambda w: f"/admin/users/{w.users['official'].id}/password",
                                  method="POST", allowed=ADMIN),
    "users.unlock": Route(lambda w: f"/admin/users/{w.users['official'].id}/unlock",
                          method="POST", allowed=ADMIN),
    "users.set_active": Route(lambda w: f"/admin/users/{w.users['official'].id}/active",
                              method="POST", allowed=ADMIN,
                              data=lambda w: {"active": "1"}),
    "catalog.index": Route(lambda w: "/reference/", allowed=ALL_STAFF),
    "catalog.list_records": Route(lambda w: "/reference/regions", allowed=ALL_STAFF),
    "catalog.create": Route(lambda w: "/reference/sectors/new", allowed=ADMIN),
    "catalog.edit": Route(lambda w: f"/reference/sectors/{w.sector.id}", allowed=ADMIN),
    "catalog.delete": Route(lambda w: f"/reference/sectors/{w.sector.id}/delete", allowed=ADMIN),
    "audit.index": Route(lambda w: "/admin/audit/", allowed=ADMIN),
    "audit.export": Route(lambda w: "/admin/audit/events.xlsx?action=test", allowed=ADMIN),
    "audit.show": Route(lambda w: f"/admin/audit/{w.extra['audit_event'].id}", allowed=ADMIN),
}


def setup(world):
    from registry.audit.services import record
    from registry.extensions import db

    world.extra["audit_event"] = record(world.users["admin"], "test.event", world.sector,
                                       summary="for the matrix")
    db.session.commit()
