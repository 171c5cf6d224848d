"""The dashboard's charts in Chromium, on a 360 px phone and at 1280 px: a five-year period draws
one column per quarter (never more than 24 in a time chart), every chart label is at least
12 px, the columns' labels do not run into each other, and the page does not scroll sideways."""
from __future__ import annotations

import pytest

from tests.e2e.test_journeys import Shots, sign_in
from tests.reports.conftest import five_year_register

pytestmark = pytest.mark.browser

# Every chart's visible text: its size, and the boxes of the time chart's column labels.
MEASURE = """() => {
  const visible = e => { const box = e.getBoundingClientRect();
                         return box.width > 0 && box.height > 0; };
  const texts = [...document.querySelectorAll('.chart .chart-label, .chart .chart-value')]
    .filter(visible);
  const labels = [...document.querySelectorAll('#breakdown-time .chart-label > span')]
    .map(e => e.getBoundingClientRect()).map(b => [b.left, b.right]);
  return {
    columns: [...document.querySelectorAll('.column-chart')].map(
      chart => chart.querySelectorAll('.chart-column').length),
    smallest: Math.min(...texts.map(e => parseFloat(getComputedStyle(e).fontSize))),
    texts: texts.length,
    labels: labels,
    scroll: [document.documentElement.scrollWidth, window.innerWidth],
  };
}"""


@pytest.mark.parametrize("width", [360, 1280])
def test_the_five_year_dashboard_is_readable(live_server, new_context, screenshot_dir, width):
    five_year_register()
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    shots = Shots(screenshot_dir / f"dashboard-5y-{width}", page)
    from tests import fixtures

    official = fixtures.create_user("official", email="charts@registry.test")
    sign_in(page, live_server, official.email)
    for lang in ("uz", "mn", "vi", "ru"):
        page.goto(f"{live_server}/?from=2022-01-01&to=2026-12-31&lang={lang}")
        found = page.evaluate(MEASURE)
        assert found["columns"] == [20], lang  # one time chart, a column per quarter
        assert found["texts"] > 40 and found["smallest"] >= 12, (lang, found["smallest"])
        assert found["scroll"][0] <= found["scroll"][1], (lang, found["scroll"])
        # Side by side, left to right, none over its neighbour.
        lefts = [left for left, _ in found["labels"]]
        assert lefts == sorted(lefts), lang
        for (_, right), (left, _) in zip(found["labels"], found["labels"][1:]):
            assert right <= left + 0.5, (lang, found["labels"])
        shots(f"{lang}")
    # Two years are 24 monthly columns, still readable on the phone.
    page.goto(f"{live_server}/?from=2025-01-01&to=2026-12-31&lang=ru")
    found = page.evaluate(MEASURE)
    assert found["columns"] == [24] and found["smallest"] >= 12
    assert found["scroll"][0] <= found["scroll"][1]
    shots("ru-24-months")
