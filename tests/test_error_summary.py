"""The error summary of a refused form (GOV.UK pattern): at the top of the page, in the page's
language, each error a link to its field, the box ready to take focus, "Error: " in the title.
Drawn by base.html for every form; the browser side (focus, links) is tests/e2e."""
from __future__ import annotations

from html.parser import HTMLParser

from tests import fixtures


class _Page(HTMLParser):
    """What a reader of the page meets: the title, the ids, the summary and its links."""

    def __init__(self):
        super().__init__()
        self.title = ""
        self.ids: list[str] = []
        self.summary: dict | None = None
        self.links: list[tuple[str, str]] = []  # (href, text) inside the summary
        self.first_in_main: str | None = None
        self._depth = 0  # inside the summary: how many open tags
        self._in_title = self._in_heading = self._in_main = False
        self._link: list | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "title":
            self._in_title = True
        if self._in_main and self.first_in_main is None:
            self.first_in_main = attrs.get("class") or tag
        if tag == "main":
            self._in_main = True
        if "data-error-summary" in attrs and self.summary is None:
            self.summary = {"tabindex": attrs.get("tabindex"), "heading": ""}
            self._depth = 1
            return
        if self._depth:
            self._depth += 1
            if tag == "h2":
                self._in_heading = True
            if tag == "a":
                self._link = [attrs.get("href"), ""]

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if self._depth:
            self._depth -= 1
            if tag == "h2":
                self._in_heading = False
            if tag == "a" and self._link is not None:
                self.links.append((self._link[0], " ".join(self._link[1].split())))
                self._link = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._in_heading:
            self.summary["heading"] += data
        if self._link is not None:
            self._link[1] += data


def read(response) -> _Page:
    page = _Page()
    page.feed(response.get_data(as_text=True))
    page.title = " ".join(page.title.split())
    return page


def linked_fields(page) -> list[str]:
    """The ids the summary's links go to; each must be on the page."""
    targets = [href[1:] for href, _text in page.links]
    assert all(href.startswith("#") for href, _text in page.links)
    assert set(targets) <= set(page.ids), (targets, page.ids)
    return targets


def test_a_refused_person_form_sums_up_its_errors_in_uzbek(client, login_as):
    login_as("official")
    client.get("/people/new?lang=uz")
    response = client.post("/people/new", data={"full_name": "", "email": "x" * 300})
    assert response.status_code == 200
    page = read(response)
    assert page.title.startswith("Xato: ")
    assert page.summary["tabindex"] == "-1"  # app.js moves focus to it
    assert page.summary["heading"] == "Xatolar bor"
    assert page.first_in_main == "error-summary"  # above the heading and the flashes
    assert linked_fields(page) == ["full_name", "email"]
    assert page.links[0][1].endswith("Bu maydonni toʻldirish shart.")
    assert "This field is required." not in response.get_data(as_text=True)


def test_the_plan_form_of_a_trainer_links_every_error_to_its_field_in_mongolian(client, login_as):
    trainer = login_as("trainer")
    client.get("/seminars/new?lang=mn")
    response = client.post("/seminars/new", data={"capacity": "", "course_id": "",
                                                  "trainer_ids": [str(trainer.id)]})
    page = read(response)
    assert page.title.startswith("Алдаа: ")
    assert page.summary["heading"] == "Алдаа байна"
    # In the order of the page.
    assert linked_fields(page) == ["course_id", "language", "capacity"]
    assert all("Энэ талбарыг заавал бөглөнө." in text for _href, text
               in (page.links[0], page.links[2]))


def test_the_reissue_form_shows_the_missing_reason_at_the_top_in_vietnamese(client, login_as):
    official = login_as("official")
    certificate = fixtures.create_certificate(issued_by=official)
    url = f"/certificates/{certificate.id}/reissue"
    client.get(url + "?lang=vi")
    form = read(client.get(url))
    assert form.summary is None and not form.title.startswith("Lỗi")
    response = client.post(url, data={"holder_name": certificate.holder_name,
                                      "course_title": "ISO 9001", "hours": "0",
                                      "start_date": "2026-11-24", "end_date": "2026-11-26",
                                      "reason": ""})
    page = read(response)
    assert page.title.startswith("Lỗi: ")
    assert page.summary["heading"] == "Có lỗi cần sửa"
    assert linked_fields(page) == ["hours", "reason"]
    assert page.links[1][1].endswith("Trường này là bắt buộc.")


def test_a_page_without_errors_has_no_summary(client, login_as):
    login_as("official")
    page = read(client.get("/seminars/new"))
    assert page.summary is None
    assert not page.title.startswith("Error")
