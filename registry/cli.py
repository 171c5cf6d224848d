"""Command-line tools (``flask --app wsgi <command>``). Each command's help is its docstring."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from registry.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_data_command)
    from registry.certificates.cli import certificates_cli, verify_certificate_command

    app.cli.add_command(certificates_cli)
    app.cli.add_command(verify_certificate_command)
    from registry.catalog.cli import catalog_cli

    app.cli.add_command(catalog_cli)
    app.cli.add_command(translations_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(worker_command)


@click.command("create-user")
@click.option("--email", required=True, help="Sign-in email (case-insensitive, unique).")
@click.option("--name", default="", help="Full name; defaults to the part of the email before @.")
@click.option("--role", required=True, type=click.Choice(["admin", "official", "trainer"]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters; asked for when not given.")
@click.option("--region", "region_code", default=None,
              help="A regional office's account: the code of the region (e.g. UZ-FA) whose "
                   "subtree an official or trainer works within. Not for an admin.")
def create_user_command(email: str, name: str, role: str, password: str,
                        region_code: str | None) -> None:
    """Create a staff account (for example the first administrator, or with --region a
    regional office's official or trainer)."""
    from registry.auth.services import create_user
    from registry.catalog.models import Region
    from registry.errors import DomainError

    region = None
    if region_code:
        matches = db.session.scalars(select(Region).where(
            func.upper(Region.code) == region_code.strip().upper())).all()
        if len(matches) != 1:
            raise click.ClickException(
                f"No region has the code {region_code}: see Reference data → Regions."
                if not matches else f"{len(matches)} regions have the code {region_code}.")
        region = matches[0]
    try:
        user = create_user(email=email, name=name or email.split("@")[0], role=role,
                           password=password, region_id=region.id if region else None,
                           created_by=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    within = f", working within {region.name} ({region.code})" if region else ""
    click.echo(f"Created {user.role} {user.email}{within}.")


@click.command("demo-data")
def demo_data_command() -> None:
    """Load demo data (regions, sectors, courses, people, seminars, staff logins) once.

    Does nothing when the database already has users, so it is safe to run on every start.
    """
    from registry.auth.models import User
    from registry.demo import DEMO_LOGINS, DEMO_SCOPES, load_demo_data

    if db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Demo data: the database already has users; nothing loaded.")
        click.echo("Demo logins (unless changed since):")
    else:
        summary = load_demo_data()
        db.session.commit()
        click.echo("Demo data loaded: "
                   + ", ".join(f"{count} {what}" for what, count in summary.items()))
        click.echo("Demo logins:")
    for email, password, role in DEMO_LOGINS:
        within = f"  (works within {DEMO_SCOPES[email]} only)" if email in DEMO_SCOPES else ""
        click.echo(f"  {role:<9} {email}  /  {password}{within}")


translations_cli = click.Group("translations", help="Update, check and compile the message "
                                                    "catalogues.")


@translations_cli.command("update")
def translations_update_command() -> None:
    """Extract every string into messages.pot and bring each catalogue up to date with it.

    New strings arrive empty (never guessed from similar ones); translate them in
    registry/translations/<locale>/LC_MESSAGES/messages.po, then run `flask translations check`.
    """
    from registry.catalogues import update

    for locale, missing in update().items():
        click.echo(f"{locale}: {missing} strings to translate")


@translations_cli.command("check")
def translations_check_command() -> None:
    """List what each catalogue lacks (missing, empty, fuzzy, wrong placeholders); exit 1 if any."""
    from registry.catalogues import LOCALES, problems

    total = 0
    for locale in LOCALES:
        found = problems(locale)
        total += len(found)
        for problem in found:
            click.echo(f"{locale}\t{problem.kind}\t{problem.message_id}")
    if total:
        raise SystemExit(1)
    click.echo("All catalogues are complete.")


@translations_cli.command("compile")
def translations_compile_command() -> None:
    """Compile the catalogues to the .mo files the application reads."""
    from registry.catalogues import compile_all

    compile_all()


@translations_cli.command("js")
def translations_js_command() -> None:
    """Write the offline verifier's words as JS catalogues, static/js/i18n/<locale>.json, from
    the compiled catalogues (run `flask translations compile` first; `make translations` runs
    both). Generated files, never committed."""
    from registry.catalogues import LOCALES
    from registry.certificates.verifier_messages import write_js_catalogues

    for path in write_js_catalogues(LOCALES):
        click.echo(f"Wrote {path.relative_to(path.parents[3])}")


audit_cli = click.Group("audit", help="Check the audit log.")


@audit_cli.command("verify")
def audit_verify_command() -> None:
    """Check the audit log's hash chain from the first event to the last.

    Exit status 0 when every event is as written and none is missing; 1 with the first broken
    link (an event edited, deleted or slipped in behind the application's back).
    """
    from registry.audit.services import verify_chain

    checked, broken = verify_chain()
    if broken is not None:
        click.echo(f"BROKEN at event #{broken.seq} (row id {broken.event_id}): {broken.problem}. "
                   f"{checked} events before it are intact.", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {checked} audit events, chain intact.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Back up the whole database to PATH while the application keeps running.

    SQLite: the online backup API (a consistent snapshot). PostgreSQL: pg_dump -Fc.
    """
    from registry.backup import BackupError, backup

    try:
        written = backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {written} ({written.stat().st_size // 1024} KB).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore_command(path: str) -> None:
    """Restore the backup at PATH into the configured database, which must be empty, and
    check it (integrity, migration version, audit hash chain, rows per table)."""
    from registry.backup import BackupError, restore

    try:
        report = restore(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    for table, rows in sorted(report.rows.items()):
        click.echo(f"{table}\t{rows}")
    if not report.ok:
        for problem in report.problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"Restored from {path}; the checks passed.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and tests).")
def worker_command(burst: bool) -> None:
    """Run background jobs (printing a seminar's certificates) taken from Redis.

    Needs REDIS_URL. Without Redis there is nothing to run here: the web process prints in a
    thread of its own.
    """
    from flask import current_app
    from redis import Redis
    from rq import Queue, SimpleWorker

    from registry.certificates.jobs import QUEUE_NAME, expire_old_jobs

    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        raise click.ClickException("REDIS_URL is not set: without Redis the web process prints "
                                   "in a thread of its own; no worker is needed.")
    expired = expire_old_jobs()
    db.session.commit()
    if expired:
        click.echo(f"Removed the files of {expired} print jobs older than a day.")
    connection = Redis.from_url(redis_url)
    queue = Queue(current_app.config.get("REGISTRY_JOB_QUEUE", QUEUE_NAME), connection=connection)
    # SimpleWorker runs jobs in this process, inside this app context (no fork per job).
    SimpleWorker([queue], connection=connection).work(burst=burst, with_scheduler=False)
