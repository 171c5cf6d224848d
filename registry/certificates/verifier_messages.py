"""The words of the offline verifier (``/verify``, static/js/verifier-page.js), as JS
catalogues made from the gettext catalogues.

The verifier decides in the browser, often with no network, so its verdicts cannot be
rendered by the server. Its messages are marked here (pybabel extracts them like any other
string and they are translated in the ``.po`` files like any other); ``flask translations js``
(a step of ``make translations``) writes ``static/js/i18n/<locale>.json`` - ``{key: text}`` -
from the compiled catalogues. Those files are generated, never committed, like the ``.mo``
files. Placeholders stay ``%(name)s``; the page fills them in.
"""
from __future__ import annotations

import json
from pathlib import Path




def _(message: str) -> str:
    """Marks ``message`` for extraction (pybabel reads ``_("...")``); translated later, per
    locale, by ``catalogue``."""
    return message


ROOT = Path(__file__).resolve().parents[2]
JS_CATALOGUES = ROOT / "static" / "js" / "i18n"

# key (as verifier.js names a message) -> msgid. The verdict words are the ones the
# server's verification page uses, so they read the same online and offline.
MESSAGES = {
    # verdict words
    "word_valid": _("VALID"),
    "word_expired": _("EXPIRED"),
    "word_suspended": _("SUSPENDED"),
    "word_revoked": _("REVOKED"),
    "word_superseded": _("SUPERSEDED"),
    "word_not_issued": _("NOT ISSUED BY THIS REGISTRY"),
    "word_online_check_needed": _("ONLINE CHECK NEEDED"),
    # the basis of a verdict
    "valid_basis": _("Signature checked on this phone; status list of %(date)s."),
    "signature_checked": _("The signature was checked on this phone."),
    "status_revoked": _("The signature is genuine, but the status list of %(date)s says this "
                        "certificate is revoked."),
    "status_suspended": _("The signature is genuine, but the status list of %(date)s says "
                          "this certificate is suspended."),
    "status_superseded": _("The signature is genuine, but the status list of %(date)s says "
                           "this certificate was replaced by a newer revision."),
    "expired": _("The signature is genuine, but the certificate expired on %(date)s."),
    "bad_format": _("This QR code holds no certificate record of this registry, or a "
                    "damaged one."),
    "unknown_key": _("The QR code is signed with a key this registry does not publish."),
    "bad_signature": _("The signature does not match the record: the QR code was changed "
                       "or made elsewhere."),
    "revoked_key": _("The QR code is signed with a key this registry has withdrawn."),
    "no_signed_record": _("This QR code carries no signed record (it was printed before "
                          "signed QR codes). Check it online."),
    "no_keys": _("This phone has no copy of the registry's keys yet. Open this page once "
                 "with the internet on."),
    "no_status_list": _("This phone has no valid copy of the status list. Connect to the "
                        "internet and check again."),
    "bad_status_list": _("The status list on this phone does not verify. Connect to the "
                         "internet and check again."),
    "unknown_status": _("The status list gives a status this page does not know. Check "
                        "online."),
    "stale_limit": _("The status list on this phone was last refreshed on %(date)s, more "
                     "than 30 days ago. Connect to the internet and check again."),
    # warnings
    "stale_warning": _("The status list on this phone was last refreshed on %(date)s. "
                       "Connect to the internet to refresh it."),
    "device_date": _("The date on this phone (%(today)s) is before %(date)s: check the "
                     "phone's date."),
    "other_host": _("Warning: this QR code points to %(host)s, not to this registry "
                    "(%(registry)s). A website at that address may show a false result."),
    "name_shortened": _("The name is shortened on the QR code; compare it with the paper."),
    "paper_register": _("This certificate was recorded from the paper register."),
    # the page
    "scanning": _("Looking for a QR code…"),
    "no_qr": _("No QR code found. Take the photo again, closer, with the whole code in "
               "the picture."),
    "camera_failed": _("The camera could not be opened. Take a photo of the QR code "
                       "instead."),
    "offline_ready": _("This phone can now check certificates without the internet."),
    "open_online": _("Open the registry's page for this certificate"),
    "holder": _("Holder"),
    "course": _("Course"),
    "number": _("Certificate number"),
    "issued_on": _("Issued on"),
    "valid_until": _("Valid until"),
    "no_expiry": _("No expiry"),
}


def catalogue(locale: str) -> dict[str, str]:
    """``{key: text}`` in ``locale`` from its compiled catalogue (English where it has none)."""
    from babel.support import Translations

    from registry.catalogues import TRANSLATIONS

    translations = Translations.load(str(TRANSLATIONS), [locale], domain="messages")
    return {key: translations.ugettext(message) for key, message in MESSAGES.items()}


def write_js_catalogues(locales, folder: Path = JS_CATALOGUES) -> list[Path]:
    """Write ``<folder>/<locale>.json`` for each locale; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for locale in locales:
        path = folder / f"{locale}.json"
        path.write_text(json.dumps(catalogue(locale), ensure_ascii=False, sort_keys=True,
                                   indent=0) + "\n", encoding="utf-8")
        written.append(path)
    return written
