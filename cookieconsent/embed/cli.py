"""``flask sites embed KEY``: the tags that embed a site, plain and pinned with SRI."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Site
from .payload import script_tags


@click.command("embed")
@click.argument("key")
@click.option(
    "--base-url",
    help="The consent server's public URL, as visitors reach it (default: PUBLIC_URL).",
)
def embed_tag(key, base_url):
    """Print the script tag for a site, and its pinned variant with an integrity hash."""
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise click.BadParameter(f"no site {key!r}", param_hint="KEY")
    base_url = base_url or current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    # The script names its own server, so the hash holds only for this exact public URL.
    with current_app.test_request_context(base_url=base_url.rstrip("/")):
        plain, pinned = script_tags(site)
    click.echo("Embed (always current):")
    click.echo(plain)
    click.echo()
    click.echo("Pinned, for pages that require Subresource Integrity. Print it again after")
    click.echo("every policy version, settings change or upgrade: the old hash stops loading.")
    click.echo(pinned)
