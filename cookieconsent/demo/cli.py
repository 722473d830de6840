"""``flask demo``: the demo site, ready to open."""

from __future__ import annotations

import click

from ..commandline import public_url
from ..extensions import db
from . import seed


@click.command("demo")
@click.option("--origin", "origins", multiple=True, help="Another origin that may embed the demo.")
def demo_command(origins):
    """Create the demo site (idempotent) and allow extra origins to embed it."""
    try:
        # The demo page is served at the public address too: its banner posts from there.
        site = seed.seed((*origins, public_url()))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(f"Demo site {site.key!r} ready; origins: {' '.join(site.origins)}")
    click.echo(f"Open {public_url()}/demo")


COMMANDS = (demo_command,)
