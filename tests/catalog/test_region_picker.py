"""The region picker of the seminar, person and organization forms: option groups per country
(the page's own country first), each region followed by its districts, names in the page's
language - not one flat list of every region of three countries."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from registry.extensions import db
from tests import fixtures


class SelectReader(HTMLParser):
    """The options of one ``<select id=...>``: ``[(group label or None, option text, value)]``."""

    def __init__(self, select_id: str):
        super().__init__()
        self.select_id, self.inside, self.group, self.option = select_id, False, None, None
        self.options: list[tuple[str | None, str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and attrs.get("id") == self.select_id:
            self.inside = True
        elif self.inside and tag == "optgroup":
            self.group = attrs.get("label")
        elif self.inside and tag == "option":
            self.option = [attrs.get("value"), ""]

    def handle_data(self, data):
        if self.option is not None:
            self.option[1] += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "option" and self.option is not None:
            self.options.append((self.group, self.option[1].strip(), self.option[0]))
            self.option = None
        elif tag == "optgroup":
            self.group = None
        elif tag == "select":
            self.inside = False


def options_of(page: str, select_id: str = "region_id"):
    reader = SelectReader(select_id)
    reader.feed(page)
    return reader.options


@pytest.fixture
def regions():
    """Regions of the three countries, with their names per language, entered out of order."""
    hanoi = fixtures.create_region("Hanoi", country="VN", kind="city")
    hanoi.set_values("name", {"vi": "Hà Nội", "ru": "Ханой"})
    namangan = fixtures.create_region("Namangan Region")
    namangan.set_values("name", {"uz": "Namangan viloyati", "mn": "Наманган муж",
                                 "ru": "Наманганская область"})
    fergana = fixtures.create_region("Fergana Region")
    fergana.set_values("name", {"uz": "Fargʻona viloyati", "ru": "Ферганская область"})
    rishton = fixtures.create_region("Rishtan", kind="district", parent=fergana)
    rishton.set_values("name", {"uz": "Rishton tumani"})
    ulaanbaatar = fixtures.create_region("Ulaanbaatar", country="MN", kind="city")
    ulaanbaatar.set_values("name", {"mn": "Улаанбаатар"})
    db.session.commit()
    return {"fergana": fergana, "rishton": rishton, "hanoi": hanoi, "namangan": namangan}


def test_the_seminar_form_groups_regions_by_country_in_the_page_language(client, login_as,
                                                                          regions):
    login_as("official")
    options = options_of(client.get("/seminars/new?lang=uz").get_data(as_text=True))
    # The blank choice first, outside any group; then Uzbekistan first on an Uzbek page.
    assert options[0][0] is None and options[0][2] == ""
    groups = list(dict.fromkeys(group for group, _, _ in options[1:]))
    assert groups == ["Oʻzbekiston", "Moʻgʻuliston", "Vyetnam"]
    uzbek = [text for group, text, _ in options if group == "Oʻzbekiston"]
    # Alphabetical in Uzbek, each region followed by its districts, with the region named.
    assert uzbek == ["Fargʻona viloyati", "Fargʻona viloyati › Rishton tumani",
                     "Namangan viloyati"]
    assert all(group is not None for group, _, _ in options[1:])


@pytest.mark.parametrize("lang, first_group, local_name", [
    ("mn", "Монгол Улс", "Улаанбаатар"), ("vi", "Việt Nam", "Hà Nội")])
def test_the_page_country_comes_first_with_local_names(client, login_as, regions, lang,
                                                       first_group, local_name):
    login_as("official")
    options = options_of(client.get(f"/people/new?lang={lang}").get_data(as_text=True))
    assert options[1][0] == first_group
    assert options[1][1] == local_name


def test_a_region_picked_from_a_group_is_saved(client, login_as, regions):
    login_as("admin")
    page = client.get("/reference/organizations/new?lang=ru").get_data(as_text=True)
    options = options_of(page)
    assert ("Узбекистан", "Ферганская область", str(regions["fergana"].id)) in options
    client.post("/reference/organizations/new", data={
        "name": "Rishton keramika", "kind": "enterprise", "sector_id": "",
        "region_id": str(regions["rishton"].id)})
    from registry.catalog.models import Organization
    organization = db.session.scalar(db.select(Organization).where(
        Organization.name == "Rishton keramika"))
    assert organization.region_id == regions["rishton"].id


def test_the_seminar_list_filters_by_a_region_picked_from_the_same_groups(client, login_as,
                                                                         regions):
    login_as("official")
    fixtures.create_seminar(region=regions["rishton"], title="Rishton seminari")
    fixtures.create_seminar(region=regions["hanoi"], title="Hà Nội seminar")
    db.session.commit()
    page = client.get("/seminars/?lang=vi").get_data(as_text=True)
    options = options_of(page, "region")
    assert options[0][0] is None and options[0][2] == ""  # "Any" first, outside the groups
    groups = list(dict.fromkeys(group for group, _, _ in options[1:]))
    assert groups[0] == "Việt Nam" and len(groups) == 3  # the page's own country first
    # Picked from the list, a region filters the seminars (its districts included).
    fergana = next(value for _, text, value in options if text == "Fergana Region")
    listed = client.get(f"/seminars/?region={fergana}").get_data(as_text=True)
    assert "Rishton seminari" in listed and "Hà Nội seminar" not in listed
    assert f'<option value="{fergana}" selected>' in listed  # the filter shows its choice


def test_the_expiring_list_filters_by_region_from_the_same_groups(client, login_as, regions):
    login_as("official")
    page = client.get("/reports/expiring?lang=ru").get_data(as_text=True)
    options = options_of(page, "region")
    groups = list(dict.fromkeys(group for group, _, _ in options[1:]))
    assert options[0][2] == "" and len(groups) == 3
    # Each region followed by its districts, in the page's language where it has a name.
    uzbekistan = [text for group, text, _ in options if group == groups[0]]
    assert uzbekistan.index("Ферганская область") + 1 == uzbekistan.index(
        "Ферганская область › Rishtan")
