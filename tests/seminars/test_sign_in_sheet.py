"""The printable sign-in sheet costs one render until what it shows changes, and PDF downloads
are limited per user (the security review's L8)."""
from __future__ import annotations

import uuid

import pytest

from registry import documents
from registry.extensions import db
from tests import fixtures


@pytest.fixture
def renders(monkeypatch):
    """How many times WeasyPrint was asked to render (the costly step)."""
    calls = []
    real = documents.render_pdf

    def counted(html, **kwargs):
        calls.append(html)
        return real(html, **kwargs)

    monkeypatch.setattr(documents, "render_pdf", counted)
    return calls


def test_the_sheet_is_rendered_once_until_what_it_shows_changes(client, login_as, renders,
                                                                pdf_reader):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer])
    person = fixtures.create_person("Өлзийбаяр Батболд")
    fixtures.create_registration(seminar, person)
    url = f"/seminars/{seminar.id}/days/{seminar.days[0].id}/sign-in.pdf"
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and len(renders) == 1
    # Another day is another sheet.
    client.get(f"/seminars/{seminar.id}/days/{seminar.days[1].id}/sign-in.pdf")
    assert len(renders) == 2
    # A corrected name shows at once: the sheet is rendered again.
    person.full_name = "Өлзийбаяр Батбаяр"
    db.session.commit()
    changed = client.get(url)
    assert len(renders) == 3 and "Өлзийбаяр Батбаяр" in pdf_reader.text(changed.data)
    # So does a newcomer.
    fixtures.create_registration(seminar, fixtures.create_person("Nguyễn Thị Thắm"))
    assert "Nguyễn Thị Thắm" in pdf_reader.text(client.get(url).data)
    assert len(renders) == 4


def test_the_sheet_prints_in_the_seminars_language_whatever_the_trainers(client, login_as,
                                                                         pdf_reader):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer])
    seminar.language = "ru"
    fixtures.create_registration(seminar, fixtures.create_person("Ғайратжон Ўроқов"))
    db.session.commit()
    url = f"/seminars/{seminar.id}/days/{seminar.days[0].id}/sign-in.pdf"
    for interface in ("en", "vi"):
        text = pdf_reader.text(client.get(url, query_string={"lang": interface}).data)
        assert "Подпись" in text and "Signature" not in text and "Ғайратжон Ўроқов" in text


def test_kept_sheets_are_pruned_oldest_first(tmp_path):
    for n in range(5):
        documents.render_pdf_kept(f"<p>Sheet {n}</p>", tmp_path, keep=3)
    assert len(list(tmp_path.glob("*.pdf"))) == 3
    assert not list(tmp_path.glob("*.part"))


@pytest.fixture
def limited_app(tmp_path):
    from registry import create_app
    from tests.client import install as install_browser_client
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "RATELIMIT_ENABLED": True, "RATELIMIT_PDF": "3 per minute",
                      "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
                      "SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(False)},
                     instance_path=str(tmp_path))
    install_browser_client(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_pdf_downloads_are_limited_per_user_across_pdf_routes(limited_app):
    trainer, colleague = fixtures.create_user("trainer"), fixtures.create_user("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer, colleague])
    fixtures.create_registration(seminar)
    official = fixtures.create_user("official")
    certificate = fixtures.create_certificate()
    sheet = f"/seminars/{seminar.id}/days/{seminar.days[0].id}/sign-in.pdf"

    client = limited_app.test_client()
    fixtures.sign_in(client, trainer)
    assert [client.get(sheet).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(sheet)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many requests" in refused.get_data(as_text=True)
    assert client.get(f"/seminars/{seminar.id}").status_code == 200  # pages are not limited

    # Each user has their own allowance - even from the same address (one district office).
    other = limited_app.test_client()
    fixtures.sign_in(other, colleague)
    assert other.get(sheet).status_code == 200
    # One allowance for every PDF route: the office's certificate PDFs count together.
    office = limited_app.test_client()
    fixtures.sign_in(office, official)
    statuses = [office.get(f"/certificates/{certificate.id}.pdf").status_code,
                office.get(f"/certificates/{certificate.id}.pdf?preprinted=1").status_code,
                office.get(f"/certificates/seminar/{certificate.seminar_id}/certificates.zip"
                           ).status_code,
                office.get(f"/certificates/seminar/{certificate.seminar_id}/certificates.pdf"
                           ).status_code]
    assert statuses == [200, 200, 200, 429]
