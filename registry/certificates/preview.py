"""A sample certificate made from the issuer details - saved, or as just typed - so an admin
sees what the next certificates will look like before any is issued.

Plain data in (an ``IssuerDraft``, a course or none), a ``PrintedCertificate`` out: the same
rendering as a real certificate, with a sample holder written in the preview language's
script (so the English half shows its derived Latin form) and a number no certificate has.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from registry.certificates.numbering import add_months
from registry.certificates.pdf import PrintedCertificate, PrintedText, Signatory
from registry.localized import pick

# A holder per language, long enough to show how a real name wraps; none has a Latin form,
# so the English half shows the one the registry would derive.
SAMPLE_HOLDERS = {
    "en": "Jane Margaret Smith",
    "ru": "Щербакова Юлия Сергеевна",
    "uz": "Gʻulomov Oʻtkir Hamidovich",
    "uz_Cyrl": "Ғуломов Ўткир Ҳамидович",
    "mn": "Өлзийбаярын Батболд",
    "vi": "Nguyễn Thị Thắm Phượng",
}
SAMPLE_NUMBER = "IA-0000-00000"
SAMPLE_VALIDITY_MONTHS = 36  # without a course: the demo auditor course's three years


@dataclass(frozen=True)
class IssuerDraft:
    """What certificates would print about the issuer: the saved settings or a form's."""

    issuer_name: str
    place_of_issue: str = ""
    names: dict = field(default_factory=dict)   # issuer name per language
    places: dict = field(default_factory=dict)  # place of issue per language
    signatories: tuple = ()                     # {"name", "title", "titles": {locale}}
    logo: bytes | None = None
    logo_type: str | None = None

    @classmethod
    def of(cls, settings) -> "IssuerDraft":
        """The draft of saved ``IssuerSettings``."""
        return cls(settings.issuer_name, settings.place_of_issue or "",
                   settings.values_of("issuer_name"), settings.values_of("place_of_issue"),
                   tuple(settings.signatories or ()), settings.logo, settings.logo_type)


def preview_languages(language: str) -> tuple[str, ...]:
    """The preview prints ``language`` beside English, as the default course does."""
    return ("en",) if language == "en" else (language, "en")


def _course_text(course, language: str, issuer: IssuerDraft) -> PrintedText:
    if course is not None:
        title = course.localized("title", language)
        standards = course.localized("standards", language) or ""
        kind = course.certificate_kind
    else:
        title, standards, kind = "ISO 9001:2015", "ISO 9001:2015, ISO 19011:2018", ""
    return PrintedText(language, kind, title, standards,
                       pick(issuer.names, issuer.issuer_name, language),
                       pick(issuer.places, issuer.place_of_issue, language))


def sample_certificate(issuer: IssuerDraft, language: str, *, course=None,
                       base_url: str = "", today: date | None = None) -> PrintedCertificate:
    """A certificate as ``issuer`` would print it in ``language`` (and English), for the
    sample holder of that language, on ``course`` (the first of the catalogue) if any."""
    today = today or date.today()
    languages = preview_languages(language)
    texts = tuple(_course_text(course, lang, issuer) for lang in languages)
    hours = course.hours if course is not None else 40
    months = course.validity_months if course is not None else SAMPLE_VALIDITY_MONTHS
    return PrintedCertificate(
        number=SAMPLE_NUMBER, holder_name=SAMPLE_HOLDERS.get(language, SAMPLE_HOLDERS["en"]),
        holder_latin_name=None, course_title=texts[0].course_title,
        standards=texts[0].standards, hours=hours, start_date=today, end_date=today,
        issued_on=today,
        valid_until=add_months(today, months) if months else None,
        issuer_name=issuer.issuer_name, issuer_logo=issuer.logo,
        issuer_logo_type=issuer.logo_type,
        signatories=tuple(Signatory.of(entry) for entry in issuer.signatories
                          if entry.get("name")),
        verification_url=f"{base_url}/v/SAMPLE", languages=languages, texts=texts)
