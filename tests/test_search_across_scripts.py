"""Every search box crosses scripts and case on both databases: "Дилфуза", "dilfuza" and
"Dilfuza" find the same holder on the certificate register, the public register and the
people page; the seminar list matches title, venue and trainers the same way (issue 17)."""
from __future__ import annotations

import pytest

from registry.extensions import db
from tests import fixtures

SPELLINGS = ["Дилфуза", "дилфуза", "dilfuza", "DILFUZA", "Dilfuza Toʻxtayeva",
             "тўхтаева"]


@pytest.fixture
def holder():
    certificate = fixtures.create_certificate("Дилфуза Тўхтаева",
                                              latin_name="Dilfuza Toʻxtayeva")
    other = fixtures.create_certificate("Ғайратжон Ўроқов")
    certificate.person.public_listing = other.person.public_listing = True
    db.session.commit()
    return certificate


def _text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("typed", SPELLINGS)
def test_the_certificate_register_finds_the_holder_in_any_script(client, login_as, holder,
                                                                 typed):
    login_as("official")
    page = _text(client.get("/certificates/", query_string={"q": typed}))
    assert holder.number in page and "Ғайратжон Ўроқов" not in page


@pytest.mark.parametrize("typed", SPELLINGS)
def test_the_public_register_finds_the_holder_in_any_script(client, holder, typed):
    page = _text(client.get("/register", query_string={"q": typed}))
    assert "Дилфуза Тўхтаева" in page and "Ғайратжон Ўроқов" not in page


@pytest.mark.parametrize("typed", SPELLINGS)
def test_the_people_page_finds_the_person_in_any_script(client, login_as, holder, typed):
    login_as("official")
    page = _text(client.get("/people/", query_string={"q": typed}))
    assert "Дилфуза Тўхтаева" in page and "Ғайратжон Ўроқов" not in page


@pytest.mark.parametrize("typed,expected", [
    ("баянзүрх", "Дотоод аудитор"), ("Bayanzurkh", "Дотоод аудитор"),
    ("ДОТООД", "Дотоод аудитор"), ("dotood auditor", "Дотоод аудитор"),
    ("Nguyen", "Đánh giá viên nội bộ"), ("ĐÁNH GIÁ", "Đánh giá viên nội bộ"),
    ("Ўроқов", "Đánh giá viên nội bộ"),  # a trainer's name, in the other script
    ("oroqov", "Đánh giá viên nội bộ"),
])
def test_the_seminar_list_matches_title_venue_and_trainers_across_scripts(client, login_as,
                                                                          typed, expected):
    trainer = fixtures.create_user("trainer", name="Gʻayratjon Oʻroqov")
    mongolian = fixtures.create_seminar(title="Дотоод аудитор")
    mongolian.venue = "Баянзүрх дүүрэг, 3-р хороо"
    vietnamese = fixtures.create_seminar(title="Đánh giá viên nội bộ", trainers=[trainer])
    vietnamese.venue = "Nguyễn Trãi 12, Hà Nội"
    db.session.commit()
    login_as("official")
    page = _text(client.get("/seminars/", query_string={"q": typed}))
    other = ({"Дотоод аудитор", "Đánh giá viên nội bộ"} - {expected}).pop()
    assert expected in page and other not in page
