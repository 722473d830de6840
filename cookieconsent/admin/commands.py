"""``flask operators``, ``flask tokens`` and ``flask export``: the console's work from a shell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from .. import export as exporter
from ..extensions import db
from ..models import ApiToken, Operator, Site
from ..models.operator import ROLES
from . import accounts, audit

operators_cli = AppGroup("operators", help="Console accounts.")
tokens_cli = AppGroup("tokens", help="Bearer tokens for the export API.")


def _site(key: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise click.BadParameter(f"no site {key!r}", param_hint="site")
    return site


@operators_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.option("--site", "site_keys", multiple=True, help="A site a viewer may see.")
@click.password_option(help="Asked for when not given (at least 10 characters).")
def create_operator(email, role, site_keys, password):
    """Create an operator (the first one must be made here)."""
    try:
        operator = accounts.create_operator(email, password, role, [_site(k) for k in site_keys])
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    audit.record(
        "operator.create",
        target=operator.email,
        actor="cli",
        details={"role": role, "sites": list(site_keys)},
    )
    db.session.commit()
    click.echo(f"Created {operator.role} {operator.email}.")


@operators_cli.command("list")
def list_operators():
    """List operators with their role and sites."""
    for op in db.session.scalars(select(Operator).order_by(Operator.email)):
        sites = "all" if op.is_admin else ",".join(s.key for s in op.sites) or "-"
        state = "active" if op.active else "off"
        click.echo(f"{op.email}\t{op.role}\t{state}\t{sites}")


@operators_cli.command("set-password")
@click.argument("email")
@click.password_option()
def set_password(email, password):
    """Give an operator a new password."""
    operator = accounts.find_operator(email)
    if operator is None:
        raise click.BadParameter(f"no operator {email!r}", param_hint="EMAIL")
    try:
        accounts.set_password(operator, password)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    audit.record(
        "operator.update", target=operator.email, actor="cli", details={"password": "changed"}
    )
    db.session.commit()
    click.echo(f"New password set for {operator.email}.")


@tokens_cli.command("create")
@click.argument("name")
@click.option("--site", "site_key", help="The one site it may export; default: every site.")
def create_token(name, site_key):
    """Create a token; it is printed once and stored only as a hash."""
    site = _site(site_key) if site_key else None
    try:
        record, token = accounts.create_token(name, site)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    audit.record("token.create", site=site, target=f"{record.name} ({record.prefix}…)", actor="cli")
    db.session.commit()
    click.echo(token)
    click.echo(
        f"Token {record.id} '{record.name}' for {site.key if site else 'every site'}; "
        "keep it now, it is not shown again.",
        err=True,
    )


@tokens_cli.command("list")
def list_tokens():
    """List tokens (never the tokens themselves)."""
    for t in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
        state = "active" if t.active else "revoked"
        click.echo(f"{t.id}\t{t.name}\t{t.prefix}…\t{t.site.key if t.site else '*'}\t{state}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id):
    """Revoke a token by its number (see ``flask tokens list``)."""
    record = db.session.get(ApiToken, token_id)
    if record is None:
        raise click.BadParameter(f"no token {token_id}", param_hint="TOKEN_ID")
    accounts.revoke_token(record)
    audit.record(
        "token.revoke", site=record.site, target=f"{record.name} ({record.prefix}…)", actor="cli"
    )
    db.session.commit()
    click.echo(f"Revoked token {record.id} '{record.name}'.")


def _day(value: str | None, shift: int = 0) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None
    return day + timedelta(days=shift)


@click.command("export")
@click.argument("site_key")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (inclusive).")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day (inclusive).")
@click.option(
    "--format", "fmt", type=click.Choice(sorted(exporter.FORMATS)), default="csv", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="File to write ('-' for standard output).",
)
def export_command(site_key, start, end, fmt, output):
    """Export a site's consent log as CSV or JSON Lines, with a progress bar."""
    site = _site(site_key)
    flt = exporter.EventFilter(start=_day(start), end=_day(end, 1))
    total = exporter.count(site, flt)
    audit.record(
        "export",
        site=site,
        target=fmt,
        actor="cli",
        details={"from": start, "to": end, "rows": total, "via": "cli"},
    )
    db.session.commit()
    pieces = exporter.chunks(site, flt, fmt)
    if output == "-":
        for text, _ in pieces:
            click.echo(text, nl=False)
        return
    # newline="": the CSV has its own line ends (CRLF, as RFC 4180 asks).
    with open(output, "w", encoding="utf-8", newline="") as out:
        with click.progressbar(length=total, label=f"Exporting {site.key}") as bar:
            for text, events in pieces:
                out.write(text)
                bar.update(events)
    click.echo(f"Wrote {total} events to {output}.", err=True)


def init_app(app: Flask) -> None:
    for command in (operators_cli, tokens_cli, export_command):
        app.cli.add_command(command)
