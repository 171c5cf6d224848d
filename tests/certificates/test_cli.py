"""``flask certificates list / pdf / revoke``: what an operator types and sees."""
from __future__ import annotations


from registry.certificates.models import Certificate
from registry.extensions import db
from tests import fixtures


def test_list_prints_number_holder_status_and_url_tab_separated(app):
    first = fixtures.create_certificate("Щербакова Юлия")
    second = fixtures.create_certificate("Билгүүн Өлзийбат")
    result = app.test_cli_runner().invoke(args=["certificates", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{c.number}\t{c.holder_name}\tvalid\thttp://registry.test/v/{c.public_code}"
        for c in (first, second)]
    only = app.test_cli_runner().invoke(args=["certificates", "list", "--seminar",
                                              str(second.seminar_id)])
    assert only.output.splitlines() == [result.output.splitlines()[1]]


def test_pdf_writes_the_certificate(app, tmp_path, pdf_reader):
    certificate = fixtures.create_certificate("Nguyễn Thị Hồng Phượng")
    target = tmp_path / "cert.pdf"
    result = app.test_cli_runner().invoke(
        args=["certificates", "pdf", certificate.number, "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = pdf_reader.text(target.read_bytes())
    assert "Nguyễn Thị Hồng Phượng" in text and certificate.number in text


def test_revoke_with_a_free_text_reason_and_unknown_numbers(app):
    fixtures.create_user("admin")
    certificate = fixtures.create_certificate()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "revoke", certificate.number,
                                 "--reason", "Exam paper found copied"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    revoked = db.session.get(Certificate, certificate.id)
    assert (revoked.status, revoked.status_reason) == ("revoked", "other")
    assert "Exam paper found copied" in revoked.status_note
    listing = runner.invoke(args=["certificates", "list"])
    assert "\trevoked\t" in listing.output
    again = runner.invoke(args=["certificates", "revoke", certificate.number,
                                "--reason", "issued_in_error"])
    assert again.exit_code != 0 and "cannot be changed" in again.output
    missing = runner.invoke(args=["certificates", "revoke", "IA-1999-00001", "--reason", "x"])
    assert missing.exit_code != 0 and "No certificate numbered IA-1999-00001" in missing.output
