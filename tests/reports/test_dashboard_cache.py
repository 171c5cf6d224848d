"""The dashboard's kept counts (``registry.reports.cache``): every preset period gives exactly
the figures the direct queries give, before and after writes; a write - a registration, a
certificate issued, a revocation - changes the very next page, also when another process
(another gunicorn worker) made it; what changes no figure (a sign-in) keeps the counts."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry import create_app
from registry.extensions import db
from registry.reports import services
from registry.reports.cache import figure_cache
from tests import fixtures
from tests.certificates.workers import Revoke
from tests.conftest import TEST_CONFIG
from tests.reports.conftest import figure, held_seminar

# A day whose presets all hold something of the report world: March 2025 (s1, s2), its
# quarter, 2025, 2024 (s4), 2021-2025.
TODAY = date(2025, 3, 20)


def presets():
    return list(services.preset_periods(TODAY).items())


def both_ways(period, user, region_id=None):
    arguments = dict(region_parent_id=region_id, today=TODAY)
    kept = services._count_all(period, user, services.DIMENSIONS, **arguments)
    direct = services.count_all_directly(period, user, services.DIMENSIONS, **arguments)
    return kept, direct


def eligible_registration(world):
    """A participant who passed a seminar of June 2025 and has no certificate yet."""
    seminar = held_seminar(course=world.courses["ia"], region=world.regions["fergana"],
                           start=date(2025, 6, 2), trainers=[world.users["t1"]],
                           participants=[(fixtures.create_person("Sertifikatsiz Odam"), 3, 85,
                                          "registered")])
    return seminar.registrations[0]


def every_view(world):
    """(who, period, region opened) for every preset, as the office and as a trainer, with the
    top level and with Tashkent opened."""
    for user in (world.users["official"], world.users["t1"]):
        for _name, period in presets():
            for region in (None, world.regions["tashkent"].id):
                yield user, period, region


def test_every_preset_period_counts_as_the_direct_queries(report_world):
    from registry.certificates.services import change_status, issue_certificate
    from registry.seminars.services import record_attendance, register_person

    world = report_world
    waiting = eligible_registration(world)
    cache = figure_cache()
    before = {}
    for user, period, region in every_view(world):
        kept, direct = both_ways(period, user, region)
        assert kept == direct
        assert both_ways(period, user, region)[0] is kept  # the second time, kept
        before[(user.id, period, region)] = kept
    assert cache.hits >= len(before)

    # Writes that change figures, through the services, as the pages make them.
    official, s1, s3 = world.users["official"], world.seminars["s1"], world.seminars["s3"]
    p3 = world.people["p3"]
    absent = next(r for r in s1.registrations if r.person_id == p3.id)
    change_status(world.certificates["c1b"], "revoke", actor=official, reason="issued_in_error")
    newcomer = fixtures.create_person("Yangi Ishtirokchi")
    registration = register_person(s3, newcomer, actor=official)
    db.session.flush()
    record_attendance(s3.days[0], [registration.id]
                      + [r.id for r in s3.registered() if r.id != registration.id],
                      actor=official)
    db.session.commit()
    issue_certificate(waiting, issued_by=official, issued_on=date(2025, 3, 25))
    db.session.commit()
    assert absent.status == "registered"

    changed = 0
    for user, period, region in every_view(world):
        kept, direct = both_ways(period, user, region)
        assert kept == direct
        changed += kept != before[(user.id, period, region)]
    assert changed >= 8  # the year, its quarter and month, five years; office and trainer


def test_a_write_changes_the_next_dashboard_response(client, login_as, report_world):
    from registry.certificates.services import change_status, issue_certificate
    from registry.seminars.services import record_attendance, register_person

    world = report_world
    official = world.users["official"]
    waiting = eligible_registration(world)
    login_as("official")
    period = {"from": "2025-01-01", "to": "2025-12-31"}

    def figures():
        page = client.get("/", query_string=period).get_data(as_text=True)
        return {name: figure(page, name) for name in (
            "people-trained", "certificates-issued", "certificates-revoked")}

    first = figures()
    cache = figure_cache()
    misses = cache.misses
    # A sign-in writes an audit event that changes no figure: the counts are still kept.
    from registry.auth.services import authenticate

    admin = fixtures.create_user("admin")
    assert authenticate(admin.email, fixtures.TEST_PASSWORD, address="127.0.0.1") == admin
    db.session.commit()
    assert figures() == first
    assert cache.misses == misses  # nothing counted again

    # A registration (with the day's attendance): one more person trained.
    s3 = world.seminars["s3"]
    registration = register_person(s3, fixtures.create_person("Yangi Odam"), actor=official)
    db.session.flush()
    record_attendance(s3.days[0], [r.id for r in s3.registered()], actor=official)
    db.session.commit()
    assert figures() == {**first, "people-trained": first["people-trained"] + 1}
    assert registration.id

    # A certificate issued: one more.
    issue_certificate(waiting, issued_by=official, issued_on=date(2025, 4, 2))
    db.session.commit()
    second = figures()
    assert second["certificates-issued"] == first["certificates-issued"] + 1

    # A revocation: one more revoked.
    change_status(world.certificates["c3"], "revoke", actor=official, reason="issued_in_error")
    db.session.commit()
    assert figures()["certificates-revoked"] == second["certificates-revoked"] + 1


def test_a_write_by_another_process_changes_the_next_response(app, client, login_as,
                                                              report_world, tmp_path):
    """Another gunicorn worker has its own kept counts and sees nothing of this one's: what
    tells it is the database. Here the other worker is a second app on the same database."""
    from registry.certificates.models import Certificate
    from registry.certificates.services import change_status

    login_as("official")
    url = "/?from=2025-01-01&to=2025-12-31"
    revoked = figure(client.get(url).get_data(as_text=True), "certificates-revoked")
    misses = figure_cache().misses
    assert figure(client.get(url).get_data(as_text=True), "certificates-revoked") == revoked
    assert figure_cache().misses == misses  # kept

    other = create_app({**TEST_CONFIG,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
                       instance_path=str(tmp_path))
    certificate_id = report_world.certificates["c3"].id
    official_id = report_world.users["official"].id
    try:
        with other.app_context():
            from registry.auth.models import User

            change_status(db.session.get(Certificate, certificate_id), "revoke",
                          actor=db.session.get(User, official_id), reason="issued_in_error")
            db.session.commit()
            db.session.remove()
    finally:
        with other.app_context():
            db.engine.dispose()
    # Each request of a worker has its own session; the test's requests share the test's (on
    # SQLite its open read transaction would still see the database as it was).
    db.session.remove()
    assert figure(client.get(url).get_data(as_text=True), "certificates-revoked") == revoked + 1


def test_rows_added_without_an_audit_event_are_counted(client, login_as, report_world):
    """A bulk load or a hand-made row records no audit event; a new row is still seen."""
    login_as("official")
    url = "/?from=2025-01-01&to=2025-12-31"
    trained = figure(client.get(url).get_data(as_text=True), "people-trained")
    fixtures.create_registration(report_world.seminars["s1"], present_days=1)
    db.session.commit()
    assert figure(client.get(url).get_data(as_text=True), "people-trained") == trained + 1


@pytest.mark.parametrize("size", [0])
def test_the_cache_can_be_switched_off(report_world, size):
    cache = figure_cache()
    saved, cache.size = cache.size, size
    try:
        period = services.Period.year_of(TODAY)
        user = report_world.users["official"]
        kept, direct = both_ways(period, user)
        assert kept == direct and both_ways(period, user)[0] is not kept
    finally:
        cache.size = saved


def test_the_cache_size_is_the_setting_of_the_app(app, report_world, tmp_path):
    """``REPORTS_CACHE_SIZE`` as the README gives it: an app built with 0 keeps nothing."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    period = services.Period.year_of(TODAY)
    official_id = report_world.users["official"].id
    for size in (0, 3):
        other = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                            "REPORTS_CACHE_SIZE": size}, instance_path=str(tmp_path))
        try:
            with other.app_context():
                from registry.auth.models import User

                official = db.session.get(User, official_id)
                first, again = (services._count_all(period, official, services.DIMENSIONS,
                                                    today=TODAY) for _ in range(2))
                assert figure_cache().size == size
                assert first == again and (first is again) == (size > 0)
                db.session.remove()
        finally:
            with other.app_context():
                db.engine.dispose()


DAYS = [TODAY + timedelta(days=offset) for offset in range(40)]


class Count:
    """A worker opening the dashboard for a year, again and again meanwhile."""

    def __init__(self, official_id):
        self.official_id = official_id

    def prepare(self, period):
        from registry.auth.models import User

        return period, db.session.get(User, self.official_id)

    def run(self, prepared):
        period, official = prepared
        for day in DAYS:  # a new key each time: each is counted, while the write commits
            services._count_all(period, official, services.DIMENSIONS, today=day)
            db.session.commit()  # each a request of its own


def test_counts_kept_while_a_write_commits_are_not_kept_after_it(app, report_world):
    """Counts made while a revocation commits must not outlive it (the version is read before
    counting, and the write moves it in its own transaction)."""
    from tests.concurrency import run_together

    from registry.auth.models import User

    official_id = report_world.users["official"].id
    certificate_id = report_world.certificates["c3"].id
    period = services.Period.year_of(TODAY)
    before = services._count_all(period, report_world.users["official"], services.DIMENSIONS,
                                 today=TODAY)
    results = run_together(app, [(Revoke(official_id), certificate_id),
                                 (Count(official_id), period), (Count(official_id), period)])
    assert results == ["revoked", None, None]
    db.session.remove()
    official = db.session.get(User, official_id)
    for day in DAYS:
        arguments = dict(region_parent_id=None, today=day)
        kept = services._count_all(period, official, services.DIMENSIONS, **arguments)
        assert kept == services.count_all_directly(period, official, services.DIMENSIONS,
                                                   **arguments)
        assert kept["issued"]["total"][None][2] == before["issued"]["total"][None][2] + 1
