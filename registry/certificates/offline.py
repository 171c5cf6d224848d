"""What a verifier concludes from a scanned QR with only the downloaded keys and status list:
the reference for the JS verifier (the test vectors of docs/qr-format.md are checked against
this function, and must give the same verdicts in JS).

Plain data in, a plain dict out: no database, no app, no network.
"""
from __future__ import annotations

from datetime import date

from registry.certificates import qr_payload, signing, status_list

# The verdicts, in order of precedence once the signature checked (as ``Certificate.status_on``):
# superseded, revoked, suspended, expired, valid. Before that: not_issued (bad format, bad
# signature, unknown or revoked key) and online_check_needed (a QR without a payload).
VERDICTS = ("valid", "expired", "suspended", "revoked", "superseded", "not_issued",
            "online_check_needed")


def revoked_keys(keys_document: dict) -> dict:
    """``{key_id: revoked_at}`` for the keys registry-keys.json lists under ``revoked_keys``
    (a malformed entry is left out; a missing date is ``""``)."""
    entries = keys_document.get("revoked_keys") if isinstance(keys_document, dict) else None
    return {entry["key_id"]: str(entry.get("revoked_at") or "")
            for entry in (entries if isinstance(entries, list) else [])
            if isinstance(entry, dict) and isinstance(entry.get("key_id"), str)}


def revoked_key_ids(keys_document: dict) -> frozenset:
    """The key ids registry-keys.json lists under ``revoked_keys``."""
    return frozenset(revoked_keys(keys_document))


def facts_of(facts: qr_payload.QrFacts) -> dict:
    """The decoded facts as JSON values (the form the test vectors state them in)."""
    return {
        "code": facts.code,
        "number": facts.number,
        "holder_name": facts.holder_name,
        "holder_latin_name": facts.holder_latin_name,
        "course_code": facts.course_code,
        "issued_on": facts.issued_on.isoformat(),
        "valid_until": facts.valid_until.isoformat() if facts.valid_until else None,
        "status_index": facts.status_index,
        "name_shortened": facts.name_shortened,
        "from_paper_register": facts.from_paper_register,
        "short_key_id": facts.short_key_id,
    }


def offline_verdict(url: str, *, keys_document: dict, status_document: dict | None,
                    today: date) -> dict:
    """``{"verdict", "reason", "address_matches", "key_id", "facts", "status_list"}`` for the
    QR content ``url``: ``reason`` says why a QR is not issued by this registry (bad_format,
    unknown_key, revoked_key, bad_signature) or why the status could not be read
    (no_status_list, bad_status_list, unknown_status); ``address_matches`` is False when the
    QR's address is not this registry's (``base_url`` of the keys document) - the look-alike
    case, which a verifier warns about whatever the verdict."""
    result = {"verdict": "not_issued", "reason": None, "address_matches": None,
              "key_id": None, "facts": None, "status_list": None}
    try:
        origin, code, payload = qr_payload.split_url(url)
    except qr_payload.PayloadError as error:
        result["reason"] = error.reason
        return result
    base_url = keys_document.get("base_url") if isinstance(keys_document, dict) else None
    if isinstance(base_url, str) and base_url:
        result["address_matches"] = origin == qr_payload.qr_origin(base_url)
    if not payload:
        result["verdict"] = "online_check_needed"
        return result
    public_keys = signing.public_keys_from_document(keys_document)
    try:
        verified = qr_payload.verify_payload(code, payload, public_keys,
                                             revoked_key_ids(keys_document))
    except qr_payload.PayloadError as error:
        result["reason"] = error.reason
        return result
    facts = verified.facts
    result.update(key_id=verified.key_id, facts=facts_of(facts))
    status = "unknown"
    if status_document is None:
        result["reason"] = "no_status_list"
    else:
        try:
            list_payload, packed = status_list.read_status_document(status_document, public_keys)
        except signing.NotVerified:
            result["reason"] = "bad_status_list"
        else:
            if list_payload.get("key_id") in revoked_key_ids(keys_document):
                result["reason"] = "bad_status_list"
            else:
                result["status_list"] = list_payload.get("issued_at")
                status = status_list.status_of(packed, facts.status_index)
                if status == "unknown":
                    result["reason"] = "unknown_status"
    if status in ("superseded", "revoked", "suspended"):
        result["verdict"] = status
    elif facts.valid_until is not None and today > facts.valid_until:
        result["verdict"] = "expired"
    elif status == "valid":
        result["verdict"] = "valid"
    else:
        # The signature is genuine, but without a readable status list nobody can say the
        # paper was not revoked since: not VALID, check online.
        result["verdict"] = "online_check_needed"
    return result
