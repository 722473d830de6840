"""``flask ledger``: verify the log, checkpoint it, rotate and show its keys, export a proof."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from ..accounts import audit as audit_trail
from ..commandline import external
from ..consents import proof
from ..extensions import db
from ..models import ConsentEvent
from . import audit, checkpoints, sealing

ledger_cli = AppGroup("ledger", help="The tamper-evident consent ledger.")


@ledger_cli.command("verify")
@click.option("--quiet", is_flag=True, help="Print only the problems and the verdict.")
def verify_command(quiet):
    """Check every row, checkpoint and audit entry; exit 1 and name each one that fails."""
    report = audit.verify()
    for problem in report.problems:
        click.echo(str(problem))
    with force_locale("en"):  # the command speaks English, whatever the server's default
        for entry_id, message in report.trail.problems:
            click.echo(f"audit entry {entry_id}: {message}")
    if not quiet:
        click.echo(
            f"{_n(report.rows, 'row')} ({report.erased} erased), "
            f"{_n(report.checkpoints, 'checkpoint')} covering {_n(report.covered, 'row')}, "
            f"{_n(report.pending, 'row')} awaiting a checkpoint."
        )
        if report.last_digest:
            click.echo(f"Latest checkpoint digest: {report.last_digest}")
        click.echo(_trail_summary(report.trail))
    if report.ok:
        click.echo("Ledger OK.")
        return
    if report.problems:
        rows = report.failed_rows
        click.echo(
            f"Ledger FAILED: {len(report.problems)} problems, rows: "
            f"{', '.join(map(str, rows)) or 'none (checkpoints only)'}.",
            err=True,
        )
    if not report.trail.ok:
        entries = report.trail.failed_entries
        click.echo(
            f"Audit trail FAILED: {len(report.trail.problems)} problems, entries: "
            f"{', '.join(map(str, entries))}.",
            err=True,
        )
    raise SystemExit(1)


def _trail_summary(report) -> str:
    text = (
        f"Audit trail: {_n(report.entries, 'entry')}, "
        f"{report.unsealed} from before sealing (not covered)."
    )
    if report.head_id is not None:
        # Noted down elsewhere, the head shows later whether entries were cut off the end.
        text += f" Latest sealed entry {report.head_id}, seal {report.head_seal}."
    return text


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {_plural(noun)}"


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


@ledger_cli.command("checkpoint")
def checkpoint_command():
    """Sign checkpoints over every row not yet covered (run from cron, e.g. each minute)."""
    try:
        made = checkpoints.checkpoint_all()
    except checkpoints.LedgerError as error:
        click.echo(f"Cannot checkpoint: {error}. Run `flask ledger verify`.", err=True)
        raise SystemExit(1) from None
    if not made:
        click.echo("Nothing to checkpoint.")
    for cp in made:
        click.echo(f"Checkpoint {cp.seq}: {cp.count} rows up to id {cp.to_id}, digest {cp.digest}")


@ledger_cli.command("keys")
def keys_command():
    """Print the public checkpoint keys as JSON, to publish for third parties."""
    keys = [key.public() for key in sealing.keyring().keys()]
    click.echo(json.dumps({"keys": keys}, indent=2))


@ledger_cli.command("rotate-key")
def rotate_key_command():
    """Seal and sign with a new key from now on; the old keys keep verifying."""
    key = sealing.keyring().rotate()
    audit_trail.record("ledger.rotate_key", target=key.id, details={"public_key": key.public_key})
    db.session.commit()
    click.echo(f"New ledger key {key.id}; public checkpoint key {key.public_key}.")
    click.echo("Copy the keyring file to every host, then publish the new public key.")


@ledger_cli.command("proof")
@click.argument("event_id", type=int, required=False)
@click.option("--consent", "consent_id", help="The consent id instead of one of its events.")
@click.option("--output", "-o", type=click.File("w"), default="-", help="Where to write it.")
def proof_command(event_id, consent_id, output):
    """Export the offline proof of a consent (by its id, or one of its events' row id)."""
    if (event_id is None) == (consent_id is None):
        raise click.UsageError("Give either EVENT_ID or --consent ID.")
    if consent_id is None:
        where = ConsentEvent.id == event_id
    else:
        where = ConsentEvent.consent_id == consent_id
    event = db.session.scalar(select(ConsentEvent).where(where).order_by(ConsentEvent.id).limit(1))
    if event is None:
        hint = "EVENT_ID" if consent_id is None else "--consent"
        raise click.BadParameter(f"no event {event_id or consent_id}", param_hint=hint)
    events = proof.events_of(event.site, event.consent_id)
    document = external(proof.document, event.site, events, True)
    output.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


COMMANDS = (ledger_cli,)
