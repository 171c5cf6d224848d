"""Certificates, the facade: one import for callers (views, CLI, demo data, tests) over the
modules that hold each concern -

- ``numbering``: printed numbers (gapless per prefix and year), public codes, validity;
- ``issuer``: signing keys (and their revocation), issuer settings, the signed facts and the
  signed QR payload (``qr_payload`` holds its format);
- ``issuing``: who may certify, eligibility, issuing one or a whole seminar;
- ``status``: re-issue, suspend, revoke, reinstate, and their labels and reasons;
- ``verification``: look-ups, what a verifier is shown, the register export, the public
  register;
- ``printing``: the PDFs (``jobs.py`` beside it prints in the background).

New code may import from the module itself; nothing is defined here.
"""
from __future__ import annotations

from registry.certificates.agency import (  # noqa: F401
    Agency, public_agency, update_issuer_contact,
)
from registry.certificates.issuer import (  # noqa: F401
    MAX_LOGO_PIXELS, MAX_LOGO_SIDE, check_logo, clean_signatories, issuer_settings, key_ring,
    printed_facts, published_keys, qr_facts, revoke_signing_key, rotate_signing_key,
    sign_certificate,
    signed_payload, update_issuer_settings,
)
from registry.certificates.issuing import (  # noqa: F401
    CERTIFYING_ROLES, AlreadyIssued, BatchResult, NotEligible, certifier_refusal,
    check_certifier, current_revision, ineligibility, issue_certificate, issue_for_seminar,
    issued_latin_name,
    lock_seminar,
)
from registry.certificates.numbering import (  # noqa: F401
    CROCKFORD_ALPHABET, PUBLIC_CODE_LENGTH, add_months, format_number, new_public_code,
    new_status_index, next_serials, normalise_public_code,
)
from registry.certificates.printing import (  # noqa: F401
    UnprintableCharacter, certificate_pdf, keep_new_pdfs, printable_certificates,
    printed_certificate, seminar_pdfs,
)
from registry.certificates.status import (  # noqa: F401
    REISSUABLE_FIELDS, STATUS_ACTIONS, STATUS_LABELS, STATUS_REASONS, change_status,
    reissue_certificate,
)
from registry.certificates.verification import (  # noqa: F401
    PublicStatus, find_by_number, find_by_number_and_surname, find_by_public_code,
    public_facts, public_register_query, public_status, qr_content, register_sheet,
    status_entries, status_list_document, verification_url,
)
