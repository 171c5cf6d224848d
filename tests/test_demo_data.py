"""``flask demo-data``: a realistic set, loaded once, and the demo logins work."""
from __future__ import annotations

from sqlalchemy import func, select

from registry.catalog.models import Course, Region, Sector
from registry.people.models import Person
from registry.seminars.models import Seminar


def test_demo_data_loads_once_and_prints_the_logins(app, db, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "admin@registry.test  /  admin-demo-2026" in result.output

    # The reference regions, in their own languages, as `flask catalog load-regions` loads
    # them; the demo's districts and khoroos under them.
    regions = db.session.scalars(select(Region)).all()
    top = {r.country: [] for r in regions}
    for region in regions:
        if region.parent_id is None:
            top[region.country].append(region)
    assert {country: len(found) for country, found in top.items()} == {
        "UZ": 14, "MN": 22, "VN": 34}
    fergana = next(r for r in regions if r.code == "UZ-FA")
    assert fergana.name == "Fargʻona viloyati"
    assert (fergana.localized("name", "uz_Cyrl"), fergana.localized("name", "ru"),
            fergana.localized("name", "en")) == (
        "Фарғона вилояти", "Ферганская область", "Fergana Region")
    assert "Margʻilon" in {child.name for child in fergana.children}
    ulaanbaatar = next(r for r in regions if r.code == "MN-1")
    assert ulaanbaatar.name == "Улаанбаатар хот"
    assert sorted(child.name for child in ulaanbaatar.children) == sorted(
        ["Багануур дүүрэг", "Багахангай дүүрэг", "Баянгол дүүрэг", "Баянзүрх дүүрэг",
         "Налайх дүүрэг", "Сонгинохайрхан дүүрэг", "Сүхбаатар дүүрэг", "Хан-Уул дүүрэг",
         "Чингэлтэй дүүрэг"])
    bayangol = next(r for r in regions if r.name == "Баянгол дүүрэг")
    assert bayangol.localized("name", "en") == "Bayangol District"
    assert sorted(child.name for child in bayangol.children) == [
        f"{number}-р хороо" for number in range(1, 5)]
    hanoi = next(r for r in regions if r.code == "VN-HN")
    assert (hanoi.name, hanoi.localized("name", "en")) == ("Hà Nội", "Hanoi")
    assert [child.name for child in hanoi.children] == ["Cầu Giấy"]
    seminar_regions = {seminar.region.name for seminar in db.session.scalars(select(Seminar))}
    assert seminar_regions == {"Fargʻona viloyati", "Toshkent shahri", "Баянзүрх дүүрэг",
                               "Hà Nội"}
    assert db.session.scalar(select(func.count()).select_from(Sector)) == 12

    auditor = db.session.scalar(select(Course).where(
        Course.title == "ISO 9001:2015 Internal Auditor"))
    assert (auditor.days, auditor.pass_mark, auditor.min_attendance_percent,
            auditor.validity_months) == (3, 70, 100, 36)
    intro = db.session.scalar(select(Course).where(
        Course.title == "Introduction to ISO 9001 for exporters"))
    assert (intro.days, intro.certificate_kind) == (1, "attendance")
    # Every seminar's language has its course title: the demo's certificates print the
    # local title in the local half and the English one beside it.
    for seminar in db.session.scalars(select(Seminar)):
        assert seminar.course.titles_missing_for([seminar.language]) == []
    from registry.certificates.models import Certificate

    issued = db.session.scalars(select(Certificate)).all()
    assert issued and all(
        [(t["language"], t["course"]) for t in c.printed_texts][0] ==
        ("uz", "ISO 9001:2015 boʻyicha ichki auditor") for c in issued)
    # The Uzbek Latin half names the agency and the place in Latin letters, not Cyrillic.
    uzbek = issued[0].printed_texts[0]
    assert (uzbek["issuer"], uzbek["place"]) == (
        "Oʻzbekiston texnik jihatdan tartibga solish agentligi (Oʻzstandart)", "Toshkent")

    names = " ".join(db.session.scalars(select(Person.full_name)))
    for letters in ("Ў", "Қ", "Ғ", "Ҳ", "Oʻ", "Ө", "Ү", "ắ", "ồ"):
        assert letters in names, letters

    # The completed seminar comes with its certificates, issued by the official (who did
    # not teach it), for everyone who passed.
    listing = runner.invoke(args=["certificates", "list"])
    lines = [line.split("\t") for line in listing.output.splitlines()]
    from registry.seminars.models import Registration

    passed = sorted(r.person.full_name for r in db.session.scalars(select(Registration))
                    if r.derive_outcome() == "passed")
    assert len(passed) >= 3 and sorted(holder for _n, holder, _s, _u in lines) == passed
    assert all(status == "valid" and url.startswith("http") and "/v/" in url
               for _number, _holder, status, url in lines)

    again = runner.invoke(args=["demo-data"])
    assert "nothing loaded" in again.output
    assert db.session.scalar(select(func.count()).select_from(Sector)) == 12

    response = client.post("/login", data={"email": "admin@registry.test",
                                           "password": "admin-demo-2026"}, follow_redirects=True)
    assert "<h1>Dashboard</h1>" in response.get_data(as_text=True)
