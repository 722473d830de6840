"""``flask operators`` and ``flask tokens``: console accounts and export tokens from a shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..commandline import site_named
from ..errors import APIError
from ..extensions import db
from ..models import ApiToken, Operator
from ..models.operator import ROLES
from . import audit, auditlog, users

operators_cli = AppGroup("operators", help="Console accounts.")
tokens_cli = AppGroup("tokens", help="Bearer tokens for the export API.")
audit_cli = AppGroup("audit", help="The audit trail of operator actions.")


@operators_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.option("--site", "site_keys", multiple=True, help="A site a viewer may see.")
@click.password_option(help="Asked for when not given (at least 10 characters).")
def create_operator(email, role, site_keys, password):
    """Create an operator (the first one must be made here)."""
    try:
        sites = [site_named(k, "--site") for k in site_keys]
        operator = users.create_operator(email, password, role, sites)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    audit.record(
        "operator.create",
        target=operator.email,
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
    operator = users.find_operator(email)
    if operator is None:
        raise click.BadParameter(f"no operator {email!r}", param_hint="EMAIL")
    try:
        users.set_password(operator, password)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    audit.record(
        "operator.update", target=operator.email, details={"password": "changed"}
    )
    db.session.commit()
    click.echo(f"New password set for {operator.email}.")


@tokens_cli.command("create")
@click.argument("name")
@click.option("--site", "site_key", help="The one site it may export; default: every site.")
def create_token(name, site_key):
    """Create a token; it is printed once and stored only as a hash."""
    site = site_named(site_key, "--site") if site_key else None
    try:
        record, token = users.create_token(name, site)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    audit.record("token.create", site=site, target=f"{record.name} ({record.prefix}…)")
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
    users.revoke_token(record)
    audit.record(
        "token.revoke", site=record.site, target=f"{record.name} ({record.prefix}…)"
    )
    db.session.commit()
    click.echo(f"Revoked token {record.id} '{record.name}'.")


@audit_cli.command("export")
@click.option("--site", help="Only the entries of this site.")
@click.option("--actor", help="Only entries whose actor contains this (e-mail, cli:USER).")
@click.option("--action", type=click.Choice(audit.ACTIONS), help="Only this action.")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (inclusive, UTC).")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day (inclusive, UTC).")
@click.option("--format", "fmt", type=click.Choice(sorted(auditlog.FORMATS)), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", lazy=True),
              required=True, help="File to write ('-' for standard output).")
def export_audit(site, actor, action, start, end, fmt, output):
    """Export the audit trail, filtered as on the console page, as CSV or JSON Lines."""
    args = {"site": site, "actor": actor, "action": action, "from": start, "to": end}
    try:
        flt = auditlog.parse({k: v for k, v in args.items() if v})
    except APIError as error:
        name, message = next(iter(error.fields.items()))
        raise click.BadParameter(message, param_hint=f"--{name}") from None
    flt.until_id = auditlog.newest_id() or 0
    audit.record("export", target=f"audit.{fmt}", details=flt.described() | {"via": "cli"})
    db.session.commit()
    for piece in auditlog.stream(flt, fmt):
        output.write(piece)


COMMANDS = (operators_cli, tokens_cli, audit_cli)
