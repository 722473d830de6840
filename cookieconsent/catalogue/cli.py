"""``flask catalogue``: the cookie knowledge the scanner classifies with."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import CatalogueError, build, platforms

catalogue_cli = AppGroup("catalogue", help="The cookie catalogue (Open Cookie Database).")


@catalogue_cli.command("refresh")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def refresh(path):
    """Rebuild the shipped catalogue from a newer Open Cookie Database CSV at PATH."""
    try:
        count = build(path)
    except (CatalogueError, KeyError, UnicodeDecodeError) as error:
        raise click.UsageError(f"{path}: {error}") from None
    click.echo(f"Catalogue rebuilt: {count} cookies of {len(platforms())} platforms.")


COMMANDS = (catalogue_cli,)
