"""``flask certificates ...``: the register for operators, from a shell."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from registry.extensions import db

certificates_cli = AppGroup("certificates", help="List, print and revoke certificates.")


def _acting_user(email: str | None):
    """The staff account an operator acts as: ``--by`` or the first active administrator."""
    from registry.auth.models import User

    query = select(User).where(User.active.is_(True))
    query = query.where(User.email == email.strip().lower()) if email else \
        query.where(User.role == "admin").order_by(User.id)
    user = db.session.scalars(query).first()
    if user is None:
        raise click.ClickException(f"No active staff account {email}." if email else
                                   "No active administrator: use --by EMAIL.")
    return user


def _certificate(number: str):
    from registry.certificates.services import find_by_number

    certificate = find_by_number(number)
    if certificate is None:
        raise click.ClickException(f"No certificate numbered {number}.")
    return certificate


@certificates_cli.command("list")
@click.option("--seminar", "seminar_id", type=int, help="Only this seminar's certificates.")
def list_command(seminar_id: int | None) -> None:
    """Print the register, tab-separated: number, holder, status, verification URL.

    One line per certificate (its newest revision), in number order.
    """
    from datetime import date

    from registry.certificates.models import Certificate
    from registry.certificates.services import verification_url

    query = select(Certificate).where(Certificate.superseded_by_id.is_(None))
    if seminar_id is not None:
        query = query.where(Certificate.seminar_id == seminar_id)
    query = query.order_by(Certificate.prefix, Certificate.year, Certificate.serial)
    today = date.today()
    for certificate in db.session.scalars(query):
        click.echo("\t".join((certificate.printed_number, certificate.holder_name,
                              certificate.status_on(today), verification_url(certificate))))


@certificates_cli.command("pdf")
@click.argument("number")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the PDF.")
@click.option("--preprinted", is_flag=True, help="Only the variable text, for pre-printed paper.")
def pdf_command(number: str, output: str, preprinted: bool) -> None:
    """Write the PDF of certificate NUMBER (its newest revision) to a file."""
    from registry.certificates.services import certificate_pdf
    from registry.errors import DomainError

    certificate = _certificate(number)
    try:
        data = certificate_pdf(certificate, preprinted=preprinted)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    with open(output, "wb") as file:
        file.write(data)
    click.echo(f"Wrote {certificate.printed_number} to {output} ({len(data)} bytes).")


@certificates_cli.command("revoke")
@click.argument("number")
@click.option("--reason", required=True,
              help="Public reason: issued_in_error, details_incorrect, holder_request, "
                   "under_review, requirements_not_met, misconduct - or any text (shown "
                   "publicly as 'Other reason', the text kept as the internal note).")
@click.option("--note", default="", help="Internal note, for staff only.")
@click.option("--by", "by_email", help="Act as this staff account (default: the first admin).")
def revoke_command(number: str, reason: str, note: str, by_email: str | None) -> None:
    """Revoke certificate NUMBER; the verification page says REVOKED at once."""
    from registry.certificates.services import STATUS_REASONS, change_status
    from registry.errors import DomainError

    certificate = _certificate(number)
    category = reason.strip().lower().replace(" ", "_").replace("-", "_")
    if category not in STATUS_REASONS:
        category, note = "other", "\n".join(filter(None, (reason.strip(), note)))
    try:
        change_status(certificate, "revoke", actor=_acting_user(by_email), reason=category,
                      note=note)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Revoked {certificate.printed_number} ({certificate.holder_name}).")


def _read_json(path: str, what: str) -> dict:
    """A JSON object from ``path``, read strictly: a key named twice in one object is
    refused (``signing.DuplicateKey``, which the caller reports)."""
    from registry.certificates.signing import DuplicateKey, loads_strict

    try:
        with open(path, encoding="utf-8") as file:
            document = loads_strict(file.read())
    except OSError as error:
        raise click.ClickException(f"Cannot read {what} {path}: {error.strerror}.") from None
    except DuplicateKey:
        raise
    except (ValueError, RecursionError) as error:  # RecursionError: nested beyond reason
        raise click.ClickException(f"{path} is not JSON ({error}).") from None
    if not isinstance(document, dict):
        raise click.ClickException(f"{path} is not a {what}.")
    return document


def _not_verified(reason: str):
    click.echo(f"NOT VERIFIED: {reason}.", err=True)
    raise SystemExit(1)


@click.command("verify-certificate")
@click.argument("document_path", metavar="FILE.json")
@click.option("--keys", "keys_path", metavar="KEYS.json",
              help="Public keys saved from /.well-known/registry-keys.json "
                   "(default: this installation's own keys).")
def verify_certificate_command(document_path: str, keys_path: str | None) -> None:
    """Check the signature of a certificate saved from /v/<code>.json - offline.

    Needs only the public keys (with --keys: no database, no network). Exit status 0 when
    the signature is genuine, 1 when it is not (a changed character, an unknown or revoked
    key, a key named twice, text not in Unicode NFC form, a malformed signature). Only signed facts are printed: whether
    the certificate is still valid today (not suspended, revoked or superseded) is not signed,
    and only the live page says it.
    """
    from registry.certificates.offline import revoked_keys
    from registry.certificates.signing import (
        DuplicateKey,
        NotVerified,
        check_signed_document,
        public_keys_from_document,
    )

    try:
        document = _read_json(document_path, "certificate record")
    except DuplicateKey as error:
        _not_verified(f"{document_path}: {error}")
    if keys_path:
        try:
            keys_document = _read_json(keys_path, "keys document")
        except DuplicateKey as error:
            raise click.ClickException(f"{keys_path}: {error}.") from None
    else:
        from registry.certificates.services import published_keys

        keys_document = published_keys()
    public_keys = public_keys_from_document(keys_document)
    try:
        payload = check_signed_document(document, public_keys)
    except NotVerified as error:
        _not_verified(str(error))
    revoked = revoked_keys(keys_document)
    if payload.get("key_id") in revoked:
        # A genuine signature by a key that leaked proves nothing: anyone holding the key
        # could have made it.
        when = f" on {revoked[payload['key_id']][:10]}" if revoked[payload["key_id"]] else ""
        _not_verified(f"its key {payload['key_id']} was revoked{when}, so anyone could have "
                      "signed it; the registry re-issues what that key signed")
    # From here on only the payload: the page's own "status", "holder", ... beside it are
    # not signed, and printing them after VERIFIED would vouch for them (L5).
    click.echo(f"VERIFIED: {payload.get('number')} - {payload.get('holder')} - "
               f"{payload.get('course')} - issued {payload.get('issued_on')} by "
               f"{payload.get('issuer')} (key {payload.get('key_id')})")
    for text in payload.get("texts") or []:  # each printed language's half, also signed
        if isinstance(text, dict):
            click.echo(f"  printed in {text.get('language')}: {text.get('course')} - "
                       f"{text.get('issuer')}")
    click.echo(f"The signature does not say whether it is still valid today: the live "
               f"verification page for code {payload.get('code')} does.")


@certificates_cli.command("revoke-key")
@click.argument("key_id")
@click.option("--reason", required=True, help="Why (kept in the audit log and published).")
@click.option("--by", "by_email", help="Act as this administrator (default: the first admin).")
def revoke_key_command(key_id: str, reason: str, by_email: str | None) -> None:
    """Revoke signing key KEY_ID (e.g. ed25519-0123456789abcdef) - after it leaked.

    /.well-known/registry-keys.json then lists it under revoked_keys, and offline verifiers
    say NOT ISSUED BY THIS REGISTRY for every QR it signed: re-issue those certificates. The
    key that signs now cannot be revoked: make another key current first (``new-key``, or
    set REGISTRY_SIGNING_KEY) and restart. Audited as signing_key.revoke.
    """
    from registry.certificates.services import revoke_signing_key
    from registry.errors import DomainError

    try:
        revoke_signing_key(key_id, actor=_acting_user(by_email), reason=reason)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Revoked signing key {key_id}: registry-keys.json lists it as revoked.")


@certificates_cli.command("new-key")
@click.option("--by", "by_email", help="Act as this administrator (default: the first admin).")
def new_key_command(by_email: str | None) -> None:
    """Make a new signing key the one that signs from now on (key rotation).

    The new key pair is written to instance/signing-keys/ and named in its ``current`` file;
    the previous key stays published, so what it signed still verifies - revoke it with
    ``revoke-key`` if it leaked. Restart the web and worker processes afterwards: they load
    the keys once. Audited as signing_key.rotate.
    """
    from registry.certificates.services import rotate_signing_key
    from registry.errors import DomainError

    try:
        key = rotate_signing_key(actor=_acting_user(by_email))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"New signing key {key.key_id} signs from now on; restart the web and worker "
               "processes so that they use it.")
