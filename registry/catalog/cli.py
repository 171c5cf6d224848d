"""``flask catalog ...``: reference data from a shell."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from registry.catalog.models import COUNTRIES
from registry.extensions import db

catalog_cli = AppGroup("catalog", help="Load reference data (regions).")


def _section(title: str, lines: list[str]) -> None:
    if lines:
        click.echo(f"  {title} ({len(lines)}):")
        for line in lines:
            click.echo(f"    {line}")


@catalog_cli.command("load-regions")
@click.argument("country", type=click.Choice(COUNTRIES, case_sensitive=False))
@click.option("--by", "email", help="The staff account recorded in the audit log as having "
                                    "loaded them (default: none, the command line).")
def load_regions_command(country: str, email: str | None) -> None:
    """Load COUNTRY's first-level divisions (and Mongolia's capital districts) from the data
    file shipped with the app (registry/catalog/data/regions-COUNTRY.csv).

    Safe to run again: regions already there are matched by their ISO code or by any of
    their names, get the code and the names they lack, and keep an admin's own default name;
    a second run changes nothing. Prints what was added, updated, kept and left alone.
    """
    from registry.auth.models import User
    from registry.catalog.regions_data import RegionDataError, load_regions

    country = country.upper()
    actor = None
    if email:
        actor = db.session.scalar(select(User).where(User.email == email.strip().lower(),
                                                     User.active.is_(True)))
        if actor is None:
            raise click.ClickException(f"No active staff account {email}.")
    try:
        result = load_regions(country, actor=actor)
    except RegionDataError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Regions of {country}: names as of {result.date}.")
    click.echo(f"  Source: {result.source}")
    _section("added", result.added)
    _section("updated", result.updated)
    if result.unchanged:
        click.echo(f"  already complete ({len(result.unchanged)})")
    _section("kept as an admin set them", result.kept)
    _section("left alone", result.left)
    click.echo(f"{len(result.added)} added, {len(result.updated)} updated."
               if result.changed else "Nothing changed.")
