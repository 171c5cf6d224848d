"""The dashboard's one-click periods: this month, quarter and year, last year, the last five
years - each a link to the same figures as the dates typed into the form."""
from __future__ import annotations

import html
import re
from datetime import date

from registry.reports.services import preset_periods
from tests.reports.conftest import figure


def preset_links(page: str) -> dict[str, tuple[str, bool]]:
    nav = re.search(r'<nav class="period-presets".*?</nav>', page, re.S).group(0)
    return {words: (html.unescape(href), bool(current))
            for href, current, words in re.findall(
                r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)}


def test_each_preset_links_to_its_period_and_the_shown_one_is_marked(client, login_as):
    login_as("official")
    today = date.today()
    periods = preset_periods(today)
    links = preset_links(client.get("/").get_data(as_text=True))
    assert list(links) == ["This month", "This quarter", "This year", "Last year",
                           "Last five years"]
    for words, name in zip(links, periods):
        period = periods[name]
        href, _current = links[words]
        assert f"from={period.start.isoformat()}" in href
        assert f"to={period.end.isoformat()}" in href
    # The default period is this year: that link is the current one.
    assert [words for words, (_, current) in links.items() if current] == ["This year"]
    assert periods["five_years"].start == date(today.year - 4, 1, 1)
    assert periods["quarter"].start.month in (1, 4, 7, 10)


def test_a_preset_counts_as_its_dates_typed(client, login_as, report_world):
    login_as("official")
    last_year = date.today().year - 1
    typed = client.get("/", query_string={"from": f"{last_year}-01-01",
                                          "to": f"{last_year}-12-31"}).get_data(as_text=True)
    href, current = preset_links(client.get("/").get_data(as_text=True))["Last year"]
    assert not current
    page = client.get(href).get_data(as_text=True)
    assert preset_links(page)["Last year"][1]  # now the one shown
    names = ("people-trained", "seminars-held", "certificates-issued", "certificates-valid",
             "certificates-revoked")
    assert {name: figure(page, name) for name in names} == \
           {name: figure(typed, name) for name in names}


def test_presets_keep_the_region_open(client, login_as, report_world):
    login_as("official")
    region = report_world.regions["tashkent"].id
    page = client.get("/", query_string={"region": region}).get_data(as_text=True)
    assert all(f"region={region}" in href for href, _ in preset_links(page).values())
