"""A small register with known figures for the reports tests (see ``report_world``), and a
reader for the dashboard's HTML."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

import pytest

from registry.extensions import db
from tests import fixtures

YEAR = 2025
PERIOD = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"}


@dataclass
class ReportWorld:
    users: dict
    regions: dict
    sectors: dict
    organizations: dict
    courses: dict
    people: dict
    seminars: dict
    certificates: dict = field(default_factory=dict)


def held_seminar(*, course, region, start, trainers, participants, status="completed"):
    """A seminar that ran; ``participants`` are ``(person, present_days, score, reg_status)``."""
    seminar = fixtures.create_seminar(course=course, region=region, start=start,
                                      trainers=trainers, status="in_progress", capacity=30)
    for person, present_days, score, reg_status in participants:
        fixtures.create_registration(seminar, person, present_days=present_days,
                                     exam_score=score, status=reg_status)
    seminar.status = status
    db.session.commit()
    return seminar


@pytest.fixture
def report_world():
    """Seminars of 2025 (and one of 2024, one cancelled) with people, attendance and
    certificates whose figures are worked out by hand in ``tests/reports/test_dashboard.py``.

    Tashkent (region) › Chilonzor, Yunusobod (districts); Fergana (region).
    s1 IA  Chilonzor  2025-03-10 trainer t1 completed: p1, p2 present; p3 absent every day
    s2 AT  Fergana    2025-03-20 trainer t2 completed: p1, p4 present; p5 on the waiting list
    s3 IA  Tashkent   2025-07-01 trainer t1 in progress: p6 present one day
    s4 IA  Yunusobod  2024-12-01 trainer t2 completed: p7 present (outside 2025)
    s5 IA  Fergana    2025-05-05 cancelled: p8 registered
    Certificates: c1 p1/s1 2025-03-15 re-issued (one certificate, valid); c2 p2/s1 2025-03-15
    revoked; c3 p1/s2 2025-04-01 expired (1-month validity); c4 p7/s4 2024-12-05 (outside).
    """
    from registry.certificates.services import (
        change_status,
        issue_certificate,
        reissue_certificate,
    )

    official = fixtures.create_user("official")
    t1, t2 = fixtures.create_user("trainer"), fixtures.create_user("trainer")
    tashkent = fixtures.create_region("Tashkent")
    chilonzor = fixtures.create_region("Chilonzor", kind="district", parent=tashkent)
    yunusobod = fixtures.create_region("Yunusobod", kind="district", parent=tashkent)
    fergana = fixtures.create_region("Fergana")
    textiles, energy = fixtures.create_sector("Textiles"), fixtures.create_sector("Energy")
    org_a = fixtures.create_organization("Andijon Tekstil", region=fergana, sector=textiles,
                                         kind="enterprise")
    org_b = fixtures.create_organization("Ministry of Energy", region=tashkent, sector=energy,
                                         kind="ministry")
    ia = fixtures.create_course(prefix="IA", code="IA9001", title="Internal Auditor")
    at = fixtures.create_course(kind="attendance", pass_mark=None, validity_months=1,
                                prefix="AT", code="AW9001", title="Awareness", days=2)
    people = {
        "p1": fixtures.create_person("Aziza One", organization=org_a),
        "p2": fixtures.create_person("Bobur Two", organization=org_a),
        "p3": fixtures.create_person("Dilnoza Three", organization=org_b),
        "p4": fixtures.create_person("Eldor Four"),
        "p5": fixtures.create_person("Farida Five", organization=org_b),
        "p6": fixtures.create_person("Gulnora Six", organization=org_b),
        "p7": fixtures.create_person("Hamid Seven", organization=org_a),
        "p8": fixtures.create_person("Iroda Eight", organization=org_a),
    }
    p = people
    s1 = held_seminar(course=ia, region=chilonzor, start=date(2025, 3, 10), trainers=[t1],
                      participants=[(p["p1"], 3, 90, "registered"), (p["p2"], 3, 80, "registered"),
                                    (p["p3"], 0, None, "registered")])
    s2 = held_seminar(course=at, region=fergana, start=date(2025, 3, 20), trainers=[t2],
                      participants=[(p["p1"], 2, None, "registered"),
                                    (p["p4"], 1, None, "registered"),
                                    (p["p5"], None, None, "waitlisted")])
    s3 = held_seminar(course=ia, region=tashkent, start=date(2025, 7, 1), trainers=[t1],
                      participants=[(p["p6"], 1, None, "registered")], status="in_progress")
    s4 = held_seminar(course=ia, region=yunusobod, start=date(2024, 12, 1), trainers=[t2],
                      participants=[(p["p7"], 3, 95, "registered")])
    s5 = fixtures.create_seminar(course=ia, region=fergana, start=date(2025, 5, 5),
                                 status="cancelled")
    fixtures.create_registration(s5, p["p8"])

    def registration(seminar, person):
        return next(r for r in seminar.registrations if r.person_id == person.id)

    c1 = issue_certificate(registration(s1, p["p1"]), issued_by=official,
                           issued_on=date(2025, 3, 15))
    c2 = issue_certificate(registration(s1, p["p2"]), issued_by=official,
                           issued_on=date(2025, 3, 15))
    c3 = issue_certificate(registration(s2, p["p1"]), issued_by=official,
                           issued_on=date(2025, 4, 1))
    c4 = issue_certificate(registration(s4, p["p7"]), issued_by=official,
                           issued_on=date(2024, 12, 5))
    db.session.commit()
    c1b = reissue_certificate(c1, {"holder_name": "Aziza One-Corrected"}, actor=official,
                              reason="spelling")
    change_status(c2, "revoke", actor=official, reason="issued_in_error")
    db.session.commit()
    return ReportWorld(
        users={"official": official, "t1": t1, "t2": t2},
        regions={"tashkent": tashkent, "chilonzor": chilonzor, "yunusobod": yunusobod,
                 "fergana": fergana},
        sectors={"textiles": textiles, "energy": energy},
        organizations={"a": org_a, "b": org_b}, courses={"ia": ia, "at": at}, people=people,
        seminars={"s1": s1, "s2": s2, "s3": s3, "s4": s4, "s5": s5},
        certificates={"c1": c1, "c1b": c1b, "c2": c2, "c3": c3, "c4": c4},
    )


class _Tables(HTMLParser):
    """Collects, per ``<section id=...>``, its table rows (cell texts) and its chart: the
    chart's attributes (``charts``), its bars or columns (``bars``: each one's class and
    ``title``) and the text of their labels."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, dict] = {}
        self._section = None
        self._row = None
        self._cell = None
        self._label = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section" and attrs.get("id"):
            self._section = self.sections.setdefault(
                attrs["id"], {"rows": [], "charts": [], "bars": [], "labels": [], "svg": 0})
        elif self._section is None:
            return
        elif "chart" in classes:
            self._section["charts"].append(attrs)
        elif tag == "li" and {"chart-bar", "chart-column"} & set(classes):
            self._section["bars"].append(attrs)
        elif "chart-label" in classes:
            self._label = []
        elif tag == "svg":
            self._section["svg"] += 1
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "section":
            self._section = None
        elif tag == "li" and self._label is not None:
            self._label = None
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._section["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._label is not None and data.strip():
            self._section["labels"].append(data.strip())
            self._label = None


def read_sections(html: str) -> dict[str, dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.sections


def breakdown_table(html: str, name: str) -> dict[str, list[int]]:
    """The breakdown's table as ``{label: [numbers...]}`` (the header row left out)."""
    rows = read_sections(html)[f"breakdown-{name}"]["rows"]
    return {row[0]: [int(cell.replace(",", "")) for cell in row[1:]] for row in rows[1:]}


def figure(html: str, name: str) -> int:
    match = re.search(rf'id="figure-{name}">([\d,]+)<', html)
    assert match, f"figure {name} not on the page"
    return int(match.group(1).replace(",", ""))


FIVE_YEARS = {"from": "2022-01-01", "to": "2026-12-31"}


def five_year_register() -> dict:
    """Five years of training (2022-2026), a seminar each quarter, for the time breakdown.

    Quarter i (0 = 2022 Q1) has a one-day seminar on the 20th of month ``3 * (i % 4) + 1 +
    i % 3`` of its year, with ``i % 3 + 1`` people present, each given a certificate 15 days
    later - in the next month, and for a seminar in a quarter's last month in the next quarter
    (the one of December 2026 in 2027, outside the period). One person of 2023 Q1 (a seminar in
    February) was also trained in January 2023: one person for the quarter, one in each month.
    Committed; returns the official, the trainer and the seminars."""
    from datetime import timedelta

    from registry.certificates.services import issue_certificate

    official, trainer = fixtures.create_user("official"), fixtures.create_user("trainer")
    region = fixtures.create_region("Samarqand viloyati")
    course = fixtures.create_course(kind="attendance", pass_mark=None, days=1, prefix="AT",
                                    title="ISO 9001 awareness")
    seminars, twice = [], None
    for i in range(20):
        year, month = 2022 + i // 4, 3 * (i % 4) + 1 + i % 3
        people = [fixtures.create_person(f"Ishtirokchi {i}-{n}") for n in range(i % 3 + 1)]
        if i == 4:
            twice = people[0]
        seminars.append(held_seminar(course=course, region=region, start=date(year, month, 20),
                                     trainers=[trainer],
                                     participants=[(p, 1, None, "registered") for p in people]))
    seminars.append(held_seminar(course=course, region=region, start=date(2023, 1, 20),
                                 trainers=[trainer],
                                 participants=[(twice, 1, None, "registered")]))
    for seminar in seminars:
        for registration in seminar.registrations:
            issue_certificate(registration, issued_by=official,
                              issued_on=seminar.start_date + timedelta(days=15))
    db.session.commit()
    return {"official": official, "trainer": trainer, "seminars": seminars}


@pytest.fixture
def five_years():
    return five_year_register()
