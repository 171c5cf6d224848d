"""The dashboard's figures and breakdowns against counts worked out by hand and by plain
queries, for the office and for trainers."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
from sqlalchemy import select

from registry.certificates.models import Certificate
from registry.extensions import db
from registry.reports import services
from registry.seminars.models import Registration, Seminar
from registry.spreadsheets import XLSX_MIMETYPE
from tests.reports.conftest import PERIOD, breakdown_table, figure, read_sections

MONTHS = ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025",
          "Jul 2025", "Aug 2025", "Sep 2025", "Oct 2025", "Nov 2025", "Dec 2025"]


def dashboard(client, **args):
    response = client.get("/", query_string={**PERIOD, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def independent_figures(start: date, end: date, seminar_ids=None):
    """The headline figures counted without the reports service: load the rows and count in
    Python, following the rules written in registry/reports/services.py."""
    seminars = [s for s in db.session.scalars(select(Seminar))
                if s.status in ("in_progress", "completed") and start <= s.start_date <= end
                and (seminar_ids is None or s.id in seminar_ids)]
    held = {s.id for s in seminars}
    trained = {r.person_id for r in db.session.scalars(select(Registration))
               if r.seminar_id in held and r.status == "registered"
               and any(mark.present for mark in r.attendance)}
    certificates = db.session.scalars(select(Certificate)).all()
    first_issued = {(c.prefix, c.year, c.serial): c.issued_on for c in certificates
                    if c.revision == 1}
    current = [c for c in certificates if c.superseded_by_id is None
               and start <= first_issued[(c.prefix, c.year, c.serial)] <= end
               and (seminar_ids is None or c.seminar_id in seminar_ids)]
    return {
        "people-trained": len(trained),
        "seminars-held": len(held),
        "certificates-issued": len(current),
        "certificates-valid": sum(1 for c in current if c.status_on(date.today()) == "valid"),
        "certificates-revoked": sum(1 for c in current if c.status == "revoked"),
    }


def test_headline_figures_match_hand_and_independent_counts(client, login_as, report_world):
    login_as("official")
    page = dashboard(client)
    expected = {"people-trained": 4, "seminars-held": 3, "certificates-issued": 3,
                "certificates-valid": 1, "certificates-revoked": 1}
    assert {name: figure(page, name) for name in expected} == expected
    assert independent_figures(date(2025, 1, 1), date(2025, 12, 31)) == expected


def test_the_period_filters_every_figure(client, login_as, report_world):
    login_as("official")
    # 2024: only s4 (p7) and its certificate c4.
    page = dashboard(client, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert [figure(page, name) for name in ("people-trained", "seminars-held",
                                            "certificates-issued", "certificates-valid")] == [1, 1, 1, 1]
    # March 2025 only: s1 and s2 (p1, p2, p4); c1 and c2 issued on the 15th.
    page = dashboard(client, **{"from": "2025-03-01", "to": "2025-03-31"})
    assert figure(page, "people-trained") == 3
    assert figure(page, "seminars-held") == 2
    assert figure(page, "certificates-issued") == 2
    assert independent_figures(date(2025, 3, 1), date(2025, 3, 31))["people-trained"] == 3
    # Only a start: to the end of that year; only an end: from the start of that year.
    assert figure(dashboard(client, **{"from": "2025-07-01", "to": ""}), "people-trained") == 1
    assert figure(dashboard(client, **{"from": "", "to": "2025-03-15"}), "people-trained") == 2


def test_default_period_is_the_current_year(client, login_as):
    login_as("official")
    page = client.get("/").get_data(as_text=True)
    year = date.today().year
    assert f'value="{year}-01-01"' in page and f'value="{year}-12-31"' in page


def test_breakdowns_by_region_sector_course_kind_and_time(client, login_as, report_world):
    login_as("official")
    page = dashboard(client)
    # people trained, certificates issued, seminars held
    assert breakdown_table(page, "region") == {"Tashkent": [3, 2, 2], "Fergana": [2, 1, 1]}
    assert breakdown_table(page, "course") == {"Internal Auditor": [3, 2, 2],
                                               "Awareness": [2, 1, 1]}
    # people trained, certificates issued (both of p1's certificates count in Textiles)
    assert breakdown_table(page, "sector") == {"Textiles": [2, 3], "Energy": [1, 0],
                                               "Not specified": [1, 0]}
    assert breakdown_table(page, "organization_kind") == {
        "Enterprise": [2, 3], "Ministry": [1, 0], "Not specified": [1, 0]}
    months = breakdown_table(page, "time")
    assert list(months) == MONTHS
    assert months["Mar 2025"] == [3, 2, 2]  # p1 counted once although in two seminars
    assert months["Apr 2025"] == [0, 1, 0]
    assert months["Jul 2025"] == [1, 0, 1]
    assert sum(values[0] for values in months.values()) == 4


def test_region_opens_to_its_districts(client, login_as, report_world):
    login_as("official")
    tashkent = report_world.regions["tashkent"]
    page = dashboard(client)
    assert f'region={tashkent.id}' in page  # the row links to its districts
    page = dashboard(client, region=tashkent.id)
    assert breakdown_table(page, "region") == {"Chilonzor": [2, 2, 1],
                                               "Tashkent (not in a district)": [1, 0, 1]}
    # The other breakdowns are not narrowed by the open region.
    assert breakdown_table(page, "course")["Internal Auditor"] == [3, 2, 2]
    fergana = report_world.regions["fergana"]
    assert breakdown_table(dashboard(client, region=fergana.id), "region") == {
        "Fergana (not in a district)": [2, 1, 1]}


def test_each_chart_is_an_accessible_image_with_a_bar_per_table_row(client, login_as,
                                                                     report_world):
    login_as("official")
    page = dashboard(client)
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    sections = read_sections(page)
    for name in services.BREAKDOWNS:
        section = sections[f"breakdown-{name}"]
        assert len(section["charts"]) == 1, name
        chart = section["charts"][0]
        assert chart["role"] == "img" and chart["aria-label"]
        assert len(section["bars"]) == len(section["rows"]) - 1, name
        # The labels are the table's, as text of the page (not inside a scaled SVG).
        assert section["labels"] == [row[0] for row in section["rows"][1:]], name
    # Time runs left to right in columns; the other breakdowns are bars.
    assert {bar["class"] for bar in sections["breakdown-time"]["bars"]} == {"chart-column"}
    assert {bar["class"] for bar in sections["breakdown-region"]["bars"]} == {"chart-bar"}
    assert len(sections["breakdown-time"]["bars"]) == 12
    assert "Tashkent: 3" in [bar["title"] for bar in sections["breakdown-region"]["bars"]]
    # People and certificates are counted by different dates: the time breakdown says so.
    assert "counted by the date their seminar started" in page


def test_each_breakdown_downloads_as_the_same_table(client, login_as, report_world):
    login_as("official")
    tashkent = report_world.regions["tashkent"]
    for name, extra in [(name, {}) for name in services.BREAKDOWNS] + [("region",
                                                                        {"region": tashkent.id})]:
        page = dashboard(client, **extra)
        response = client.get(f"/reports/breakdown/{name}.xlsx",
                              query_string={**PERIOD, **extra})
        assert response.status_code == 200
        assert response.mimetype == XLSX_MIMETYPE
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        table = read_sections(page)[f"breakdown-{name}"]["rows"]
        assert rows[0] == table[0], name
        assert {row[0]: row[1:] for row in rows[1:]} == breakdown_table(page, name), name


def test_unknown_breakdown_is_not_found(client, login_as):
    login_as("official")
    assert client.get("/reports/breakdown/nothing.xlsx").status_code == 404


def test_a_trainer_sees_only_their_own_seminars(client, login_as, report_world):
    seminars = report_world.seminars
    login_as(report_world.users["t1"])
    page = dashboard(client)
    t1 = {"people-trained": 3, "seminars-held": 2, "certificates-issued": 2,
          "certificates-valid": 1, "certificates-revoked": 1}
    assert {name: figure(page, name) for name in t1} == t1
    assert independent_figures(date(2025, 1, 1), date(2025, 12, 31),
                               {seminars["s1"].id, seminars["s3"].id, seminars["s5"].id}) == t1
    assert breakdown_table(page, "region") == {"Tashkent": [3, 2, 2]}
    assert breakdown_table(page, "course") == {"Internal Auditor": [3, 2, 2]}
    assert "Fergana" not in page and "Awareness" not in page
    assert "/reports/expiring" not in page

    login_as(report_world.users["t2"])
    page = dashboard(client)
    t2 = {"people-trained": 2, "seminars-held": 1, "certificates-issued": 1,
          "certificates-valid": 0, "certificates-revoked": 0}
    assert {name: figure(page, name) for name in t2} == t2
    assert independent_figures(date(2025, 1, 1), date(2025, 12, 31),
                               {seminars["s2"].id, seminars["s4"].id}) == t2
    assert breakdown_table(page, "region") == {"Fergana": [2, 1, 1]}
    # The two trainers' figures add up to the office's (p1 was trained by both).
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        "/reports/breakdown/course.xlsx", query_string=PERIOD).data)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)][1:] == [["Awareness", 2, 1, 1]]


def test_a_trainer_without_seminars_gets_the_empty_state(client, login_as, report_world):
    login_as("trainer")
    page = dashboard(client)
    assert figure(page, "people-trained") == 0
    assert "No seminar of yours was held in this period" in page
    assert "<svg" not in page


def test_empty_register_shows_a_useful_empty_state(client, login_as):
    login_as("official")
    page = dashboard(client)
    assert "No seminar was held and no certificate was issued in this period." in page
    assert "Show 2024" in page and "from=2024-01-01" in page
    assert "<svg" not in page


def test_bad_dates_give_a_form_error_not_a_500(client, login_as, report_world):
    login_as("official")
    for args, field in [({"from": "2025-13-45", "to": "2025-12-31"}, "from"),
                        ({"from": "2025-01-01", "to": "yesterday"}, "to"),
                        ({"from": "2025-12-31", "to": "2025-01-01"}, "to"),
                        ({"from": "0001-01-01", "to": "2025-01-01"}, "to")]:
        response = client.get("/", query_string=args)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in page, args
        assert 'aria-invalid="true"' in page
        assert 'id="figure-people-trained"' not in page
        # The download sends the visitor back to the form with its errors.
        download = client.get("/reports/breakdown/region.xlsx", query_string=args)
        assert download.status_code == 302 and download.headers["Location"].startswith("/?")
    page = client.get("/", query_string={"from": "2025-12-31", "to": "2025-01-01"}).get_data(
        as_text=True)
    assert "The end of the period cannot be before its start." in page
    page = client.get("/", query_string={"from": "2000-01-01", "to": "2025-01-01"}).get_data(
        as_text=True)
    assert "Choose a period of at most 10 years." in page


def test_services_figures_for_a_period(report_world):
    figures = services.figures(services.Period(date(2025, 1, 1), date(2025, 12, 31)),
                               report_world.users["official"], today=date(2025, 4, 10))
    # On 10 April 2025 the awareness certificate (until 1 May) was still valid.
    assert (figures.certificates_issued, figures.certificates_valid,
            figures.certificates_revoked) == (3, 2, 1)
