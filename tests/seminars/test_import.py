"""Importing the participant list a district sends: header recognition, dialects, the
preview, all-or-nothing, re-import, hostile files."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from registry.catalog.models import Organization

from registry.people.models import Person
from registry.seminars.models import Registration
from registry.seminars.roster_import import ImportRejected, apply_import, plan_import
from tests import fixtures


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows, delimiter=",") -> str:
    return "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"


@pytest.fixture
def places():
    tashkent = fixtures.create_region("Toshkent viloyati")
    return {
        "tashkent": tashkent,
        "chirchiq": fixtures.create_region("Chirchiq", kind="city", parent=tashkent),
        "bayanzurkh": fixtures.create_region("Баянзүрх", country="MN", kind="district"),
        "textiles": fixtures.create_sector("Textiles", code="TEX"),
    }


@pytest.fixture
def seminar():
    return fixtures.create_seminar(capacity=20)


def registered_names(seminar) -> list[str]:
    return sorted(r.person.full_name for r in fixtures.db.session.scalars(
        select(Registration).where(Registration.seminar_id == seminar.id)))


@pytest.mark.parametrize("headers", [
    ("Full name", "Organization", "Region", "Email", "Phone", "Position"),
    ("Ф.И.О.", "Организация", "Район", "Эл. почта", "Телефон", "Должность"),
    ("Familiyasi, ismi", "Tashkilot", "Tuman", "Elektron pochta", "Telefon", "Lavozimi"),
    ("Фамилияси, исми", "Ташкилот", "Туман", "Электрон почта", "Телефон", "Лавозими"),
    ("Овог нэр", "Байгууллага", "Дүүрэг", "Цахим шуудан", "Утас", "Албан тушаал"),
    ("Họ và tên", "Tổ chức", "Khu vực", "Thư điện tử", "Điện thoại", "Chức vụ"),
    # Labels of templates downloaded before the terminology review renamed the columns.
    ("Toʻliq ismi", "Tashkilot", "Hudud yoki tuman", "Email", "Telefon", "Lavozimi"),
    ("Овог нэр", "Байгууллага", "Аймаг эсвэл дүүрэг", "Имэйл", "Утас", "Албан тушаал"),
    ("Họ và tên", "Tổ chức", "Tỉnh/thành phố hoặc quận/huyện", "Email", "Điện thoại",
     "Chức vụ"),
])
def test_headers_are_recognised_in_each_language_and_any_order(seminar, places, headers):
    order = [4, 0, 5, 2, 1, 3]  # the columns shuffled
    header = [headers[i] for i in order]
    values = ["Ғайратжон Ўроқов", "Chirchiq Tekstil MChJ", "Chirchiq", "gayrat@example.uz",
              "+998901234567", "Sifat menejeri"]
    row = [values[i] for i in order]
    plan = plan_import(seminar, xlsx([header, row]))
    assert plan.errors == []
    assert set(plan.columns) == {"full_name", "organization", "region", "email", "phone",
                                 "position"}
    [planned] = plan.rows
    assert planned.values["full_name"] == "Ғайратжон Ўроқов"
    assert planned.values["email"] == "gayrat@example.uz"
    assert planned.region == places["chirchiq"] and planned.new_organization


@pytest.mark.parametrize("encoding,delimiter,detail", [
    ("utf-8", ",", "UTF-8, comma-separated"),
    ("utf-8-sig", ";", "UTF-8, semicolon-separated"),
    ("utf-16", "\t", "UTF-16, tab-separated"),
    ("cp1251", ";", "Windows-1251, semicolon-separated"),
])
def test_csv_dialects_and_encodings(seminar, places, encoding, delimiter, detail):
    name = "Щербакова Юлия" if encoding == "cp1251" else "Nguyễn Thị Thắm"
    text = csv_text([["ФИО", "Организация", "Телефон"],
                     [name, '"ООО ""Текстиль"", Чирчик"', "+998 90 123"]], delimiter)
    plan = plan_import(seminar, text.encode(encoding))
    assert plan.errors == [] and plan.detail == detail
    assert [(r.values["full_name"], r.values["organization"]) for r in plan.rows] == [
        (name, 'ООО "Текстиль", Чирчик')]


def test_preview_says_what_will_happen_to_each_row_and_writes_nothing(
        client, login_as, seminar, places, count_rows):
    login_as("official")
    fixtures.create_person("Batbayar Dorj", email="batbayar@example.mn")  # matched by email
    already = fixtures.create_person("Өлзийбаяр Батболд", email="olzii@example.mn")
    fixtures.create_registration(seminar, already)
    fixtures.create_organization("Chirchiq Tekstil MChJ")
    small = fixtures.create_seminar(capacity=2)
    data = xlsx([
        ["Full name", "Organization", "Region", "Email", "Sector", "Notes"],
        ["Batbayar Dorj", "", "", "BATBAYAR@example.mn", "", "x"],
        ["Өлзийбаяр Батболд", "", "", "olzii@example.mn", "", ""],
        ["Gʻayratjon Oʻroqov", "Chirchiq tekstil mchj", "Toshkent viloyati / Chirchiq", "",
         "Textiles", ""],
        ["Nguyễn Thị Thắm", "Công ty May Hà Nội", "", "", "TEX", ""],
    ])
    people_before, organizations_before = count_rows(Person), count_rows(Organization)
    response = client.post(f"/seminars/{seminar.id}/import",
                           data={"file": (io.BytesIO(data), "list.xlsx")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    rows = re.findall(r'<tr class="outcome-(\w+)">\s*<td class="num"[^>]*>(\d+)</td>', page)
    assert rows == [("existing", "2"), ("already", "3"), ("new", "4"), ("new", "5")]
    assert "Person on file" in page and "same email" in page
    assert "Ignored:" in page and "“Notes”" in page
    assert count_rows(Person) == people_before and count_rows(Organization) == organizations_before
    assert 'name="token"' in page

    # A seminar with two seats: the third new person would wait.
    plan = plan_import(small, data)
    assert [row.waitlisted for row in plan.rows] == [False, False, True, True][:len(plan.rows)]
    assert plan.waitlisted == 2


def test_a_file_with_errors_on_lines_7_42_and_88_imports_nobody(client, login_as, seminar,
                                                                 places, count_rows):
    login_as("official")
    seminar.capacity = 200
    rows = [["Full name", "Email", "Region", "Sector"]]
    for line in range(2, 101):
        rows.append([f"Ishtirokchi {line}", f"p{line}@example.uz", "Chirchiq", "Textiles"])
    rows[6 - 1 + 1] = ["", "p7@example.uz", "Chirchiq", "Textiles"]          # line 7: no name
    rows[42 - 1] = ["Ishtirokchi 42", "not-an-email", "Chirchiq", "Textiles"]  # line 42
    rows[88 - 1] = ["Ishtirokchi 88", "p88@example.uz", "Atlantis", "Textiles"]  # line 88
    data = xlsx(rows)
    people_before = count_rows(Person)
    response = client.post(f"/seminars/{seminar.id}/import",
                           data={"file": (io.BytesIO(data), "list.xlsx")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    reported = re.findall(r'<tr><td class="num"[^>]*>(\d+)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>', page)
    assert [(line, column) for line, column, _ in reported] == [
        ("7", "Full name"), ("42", "Email"), ("88", "Region")]
    assert "“Atlantis” is not a region or district" in page
    assert "nothing will be imported" in page and 'name="token"' not in page
    with pytest.raises(ImportRejected):
        apply_import(seminar, data, actor=fixtures.create_user("official"))
    fixtures.db.session.rollback()
    assert count_rows(Person) == people_before and registered_names(seminar) == []


def test_confirming_imports_everyone_and_the_same_file_again_adds_nobody(
        client, login_as, seminar, places, count_rows):
    login_as("official")
    data = csv_text([["Full name", "Organization", "Region", "Email"],
                     ["Ғайратжон Ўроқов", "Chirchiq Tekstil MChJ", "Chirchiq", ""],
                     ["Шаҳноза Ғуломова", "Chirchiq Tekstil MChJ", "Chirchiq", "sh@example.uz"],
                     ["Trần Văn Đức", "", "", "duc@example.vn"]]).encode("utf-8")

    def upload_and_confirm():
        page = client.post(f"/seminars/{seminar.id}/import",
                           data={"file": (io.BytesIO(data), "list.csv")},
                           content_type="multipart/form-data").get_data(as_text=True)
        token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
        if token is None:
            return page, None
        return page, client.post(f"/seminars/{seminar.id}/import/confirm",
                                 data={"token": token.group(1)})

    _page, confirmed = upload_and_confirm()
    assert confirmed.status_code == 302
    shown = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert ("3 participants registered (3 new people, 0 on the waiting list); "
            "0 were already on the list.") in shown
    assert registered_names(seminar) == sorted(["Trần Văn Đức", "Ғайратжон Ўроқов",
                                                "Шаҳноза Ғуломова"])
    assert count_rows(Organization) == 1  # one new organization for two rows
    people = count_rows(Person)
    page, confirmed = upload_and_confirm()
    assert confirmed is None
    assert "there is nothing to import" in page
    assert count_rows(Person) == people and len(registered_names(seminar)) == 3


def test_the_same_person_twice_in_one_file_is_an_error(seminar, places):
    plan = plan_import(seminar, csv_text([["Full name", "Email"], ["Anvar Karimov", "a@x.uz"],
                                          ["Anvar Karimov Jr", "A@x.uz"]]).encode())
    assert [(e.line, e.message) for e in plan.errors] == [(3, "The same person as on line 2.")]


def test_a_confirmation_token_of_someone_else_or_expired_changes_nothing(client, login_as,
                                                                        seminar, count_rows):
    login_as("official")
    response = client.post(f"/seminars/{seminar.id}/import/confirm",
                           data={"token": "A" * 32}, follow_redirects=True)
    assert "That preview has expired" in response.get_data(as_text=True)
    assert registered_names(seminar) == []


def test_the_template_lists_the_columns_and_the_reference_names(client, login_as, seminar,
                                                                places):
    login_as("official")
    response = client.get(f"/seminars/{seminar.id}/import/template.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in workbook.worksheets[0][1]][:2] == ["Full name",
                                                                "Name in Latin letters"]
    regions = [row[0].value for row in workbook.worksheets[2].iter_rows(min_row=2)]
    assert "Toshkent viloyati / Chirchiq" in regions
    # The template itself imports cleanly once filled in.
    sheet = workbook.worksheets[0]
    sheet.append(["Anvar Karimov", "", "", "", "Textiles", "Toshkent viloyati / Chirchiq"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert plan_import(seminar, buffer.getvalue()).errors == []


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))
    return buffer.getvalue()


def _billion_laughs() -> bytes:
    workbook = xlsx([["Full name"], ["Anvar Karimov"]])
    source = zipfile.ZipFile(io.BytesIO(workbook))
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                        for i in range(1, 10)) + "]>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                          .replace(b" standalone=\"yes\"", b""), b"")
                content = laughs.encode() + content.split(b"?>", 1)[-1].replace(
                    b"Anvar Karimov", b"&lol9;")
            archive.writestr(item, content)
    return buffer.getvalue()


@pytest.mark.parametrize("data,message", [
    (b"MZ\x90\x00\x03" + b"\x00" * 2000, "This is not a spreadsheet"),
    (b"", "The file is empty"),
    ("Notes,Remarks\r\nfoo,bar\r\n".encode(), "No column holds the participants' names"),
    (b"PK\x03\x04not really a zip", "could not be read as an Excel workbook"),
    (None, "unpacks to far more data"),
    ("billion", "could not be read as an Excel workbook"),
    (("Full name\r\n" + "".join(f"P{i}\r\n" for i in range(5001))).encode(), "more than 5000"),
    (b"Full name\r\nNguy\x98n\r\n", "not UTF-8"),
])
def test_hostile_and_broken_files_get_a_clear_message_and_write_nothing(
        client, login_as, seminar, count_rows, data, message):
    login_as("official")
    if data is None:
        data = _zip_bomb()
    elif data == "billion":
        data = _billion_laughs()
    people_before = count_rows(Person)
    response = client.post(f"/seminars/{seminar.id}/import",
                           data={"file": (io.BytesIO(data), "list.xlsx")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page.replace("&#39;", "'") or message in page
    assert 'name="token"' not in page
    assert count_rows(Person) == people_before


def test_a_file_over_2_mb_is_refused(seminar):
    plan = plan_import(seminar, b"Full name\r\n" + b"A" * (2 * 1024 * 1024))
    assert plan.errors[0].message == "The file is larger than 2 MB."


def test_only_who_may_register_can_import(client, login_as, seminar):
    login_as("trainer")  # not a trainer of this seminar
    assert client.get(f"/seminars/{seminar.id}/import").status_code == 403


def test_seats_go_in_file_order_and_the_rest_wait_in_file_order(seminar, places):
    small = fixtures.create_seminar(capacity=2)
    comeback = fixtures.create_person("Anvar Karimov", email="anvar@example.uz")
    fixtures.create_registration(small, comeback, status="cancelled")
    names = ["Birinchi Odam", "Ikkinchi Odam", "Anvar Karimov", "Toʻrtinchi Odam"]
    data = csv_text([["Full name", "Email"]] + [
        [name, "anvar@example.uz" if name == "Anvar Karimov" else ""] for name in names]).encode()
    apply_import(small, data, actor=fixtures.create_user("official"))
    fixtures.db.session.commit()
    fixtures.db.session.expire_all()
    registered = [r.person.full_name for r in small.registered()]
    waiting = [r.person.full_name for r in small.waiting_list()]
    assert sorted(registered) == sorted(names[:2]) and waiting == names[2:]
    assert small.seats_taken == 2
    # The earlier cancelled registration came back rather than a second one.
    assert fixtures.db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.person_id == comeback.id)) == 1


class Import:
    def __init__(self, data):
        self.data = data

    def prepare(self, seminar_id):
        from registry.seminars.models import Seminar

        return fixtures.db.session.get(Seminar, seminar_id)

    def run(self, seminar):
        plan = apply_import(seminar, self.data, actor=None)
        return plan.count("new")


def test_the_same_file_imported_twice_at_once_registers_everyone_once(app):
    from tests.concurrency import run_together

    for repeat in range(5):
        target = fixtures.create_seminar(capacity=3)
        data = csv_text([["Full name", "Email"]] + [
            [f"Parallel {repeat}-{n}", f"p{repeat}-{n}@example.uz"] for n in range(5)]).encode()
        results = run_together(app, [(Import(data), target.id)] * 2)
        assert sorted(results, key=str) == [0, 5] or sorted(map(str, results))[0].startswith(
            "Some of these people"), results
        fixtures.db.session.rollback()
        counts = dict(fixtures.db.session.execute(
            select(Registration.status, func.count()).where(Registration.seminar_id == target.id)
            .group_by(Registration.status)).all())
        assert counts == {"registered": 3, "waitlisted": 2}
        assert fixtures.db.session.scalar(select(func.count()).select_from(Person).where(
            Person.full_name.like(f"Parallel {repeat}-%"))) == 5
