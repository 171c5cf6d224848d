"""The time breakdown groups itself so that it never draws more than 24 columns: months up to
24 months, quarters up to 24 quarters (six years), years beyond - on the page, in its table and
in its download alike, with the same totals as the headline figures."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from registry.reports import services
from registry.reports.services import Period
from tests.reports.conftest import FIVE_YEARS, breakdown_table, figure, read_sections

FIVE_YEAR_PERIOD = Period(date(2022, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize("start,end,grain,columns", [
    (date(2025, 1, 1), date(2025, 12, 31), "month", 12),
    (date(2025, 1, 1), date(2026, 12, 31), "month", 24),    # 24 months: still months
    (date(2025, 1, 15), date(2027, 1, 2), "quarter", 9),    # touches 25 months
    (date(2022, 1, 1), date(2026, 12, 31), "quarter", 20),  # five years
    (date(2021, 1, 1), date(2026, 12, 31), "quarter", 24),  # six years: 24 quarters
    (date(2020, 12, 31), date(2026, 12, 31), "year", 7),    # touches 25 quarters
    (date(2016, 1, 1), date(2025, 12, 31), "year", 10),     # the longest period the form allows
    (date(2025, 3, 5), date(2025, 3, 5), "month", 1),
])
def test_the_grain_is_the_finest_that_fits_24_columns(start, end, grain, columns):
    period = Period(start, end)
    assert services.time_grain(period) == grain
    assert len(period.columns(grain)) == columns
    assert columns <= services.MAX_COLUMNS


def rows(breakdown):
    return {row.key: (row.people_trained, row.certificates_issued, row.seminars_held)
            for row in breakdown.rows}


def test_quarters_add_up_to_their_months_and_to_the_headline_figures(app, five_years):
    official = five_years["official"]
    quarters = services.breakdown("time", FIVE_YEAR_PERIOD, official)
    assert quarters.grain == "quarter" and str(quarters.dimension) == "Quarter"
    assert [row.key for row in quarters.rows] == [year * 10 + q for year in range(2022, 2027)
                                                  for q in (1, 2, 3, 4)]
    by_quarter = rows(quarters)
    months = {}
    for year in range(2022, 2027):
        monthly = services.breakdown("time", Period(date(year, 1, 1), date(year, 12, 31)),
                                     official)
        assert monthly.grain == "month" and len(monthly.rows) == 12
        months.update(rows(monthly))
    for key, (people, certificates, seminars) in by_quarter.items():
        year, quarter = divmod(key, 10)
        in_quarter = [months[year * 100 + month] for month in range(3 * quarter - 2,
                                                                    3 * quarter + 1)]
        assert certificates == sum(m[1] for m in in_quarter), key
        assert seminars == sum(m[2] for m in in_quarter), key
        if key != 20231:
            assert people == sum(m[0] for m in in_quarter), key
    # The person trained in January and in February 2023 is one person of the first quarter.
    assert months[202301][0] == 1 and months[202302][0] == 2 and by_quarter[20231][0] == 2
    figures = services.figures(FIVE_YEAR_PERIOD, official)
    assert sum(values[0] for values in by_quarter.values()) == figures.people_trained == 39
    assert sum(values[1] for values in by_quarter.values()) == figures.certificates_issued == 40
    assert sum(values[2] for values in by_quarter.values()) == figures.seminars_held == 21
    # A certificate counts in the quarter it was issued in: the three people trained on 20
    # September 2022 got theirs on 5 October (the fourth quarter).
    assert by_quarter[20223] == (3, 0, 1) and by_quarter[20224] == (1, 1 + 3, 1)


def test_years_beyond_six_years(app, five_years):
    period = Period(date(2019, 1, 1), date(2026, 12, 31))
    years = services.breakdown("time", period, five_years["official"])
    assert years.grain == "year" and str(years.title) == "By year"
    assert [row.label for row in years.rows] == [str(year) for year in range(2019, 2027)]
    assert rows(years)[2022] == (1 + 2 + 3 + 1, 1 + 2 + 3 + 1, 4)
    assert rows(years)[2019] == (0, 0, 0)  # quiet years are columns too


def test_the_five_year_dashboard_draws_20_quarter_columns(client, login_as, five_years):
    login_as("official")
    page = client.get("/", query_string=FIVE_YEARS).get_data(as_text=True)
    section = read_sections(page)["breakdown-time"]
    assert len(section["bars"]) == 20
    table = breakdown_table(page, "time")
    assert list(table)[:5] == ["Q1 2022", "Q2 2022", "Q3 2022", "Q4 2022", "Q1 2023"]
    assert section["labels"] == list(table)
    assert section["rows"][0][0] == "Quarter"
    assert "By quarter" in page
    assert sum(values[0] for values in table.values()) == figure(page, "people-trained")
    assert sum(values[1] for values in table.values()) == figure(page, "certificates-issued")
    assert "counted by the date their seminar started" in page

    download = client.get("/reports/breakdown/time.xlsx", query_string=FIVE_YEARS)
    assert download.status_code == 200
    assert "quarter-2022-01-01-2026-12-31.xlsx" in download.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    sheet_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert sheet_rows[0] == section["rows"][0]
    assert {row[0]: row[1:] for row in sheet_rows[1:]} == table


@pytest.mark.parametrize("lang,quarter,month", [
    ("ru", "I кв. 2022", "май 2022 г."),  # the standalone form, not the genitive "мая"
    ("uz", "2022-yil I chorak", "may, 2022"),
    ("uz_Cyrl", "2022-йил I чорак", "май, 2022"),
    ("mn", "2022 оны I улирал", "2022 оны 5-р сар"),
    ("vi", "Quý I/2022", "thg 5 2022"),
])
def test_columns_are_named_in_the_page_language(client, login_as, five_years, lang, quarter,
                                                month):
    login_as("official")
    page = client.get("/", query_string={**FIVE_YEARS, "lang": lang}).get_data(as_text=True)
    assert list(breakdown_table(page, "time"))[0] == quarter
    page = client.get("/", query_string={"from": "2022-01-01", "to": "2022-12-31",
                                         "lang": lang}).get_data(as_text=True)
    assert list(breakdown_table(page, "time"))[4] == month
