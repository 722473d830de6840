"""``flask subjects`` and ``flask purge``: a data subject's requests and the retention purge."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..accounts import audit
from ..commandline import moment, site_named
from ..extensions import db
from ..models import ConsentEvent, Site
from . import identity, retention, subjects
from .decisions import latest_event

subjects_cli = AppGroup("subjects", help="Find, withdraw or erase a data subject's consents.")



def _subject_options(command):
    command = click.option("--account", help="The subject's account id in the site's app.")(
        command
    )
    command = click.option("--email", help="The subject's e-mail.")(command)
    command = click.option("--phone", help="The subject's phone number.")(command)
    return click.option("--site", "key", required=True, help="The site key.")(command)


def _find(key, phone, email, account):
    if not phone and not email and not account:
        raise click.UsageError("give --phone, --email or --account")
    site = site_named(key, "--site")
    try:
        return site, subjects.find_by_subject(site, phone, email, account)
    except identity.InvalidSubject as error:
        raise click.BadParameter(error.message, param_hint=f"--{error.field}") from None


@subjects_cli.command("find")
@_subject_options
def find(key, phone, email, account):
    """List the consents of a subject (found through the keyed hash)."""
    site, events = _find(key, phone, email, account)
    ids = subjects.consent_ids(events)
    for consent_id in ids:
        first = next(e for e in events if e.consent_id == consent_id)
        latest = latest_event(site, consent_id)
        number = first.policy_version.number if first.policy_version else "-"
        source = first.form_id or first.app_id or first.method
        click.echo(
            f"{consent_id}\t{source}\t{first.created_at:%Y-%m-%d %H:%M}Z\t"
            f"{'document' if first.kind == 'form' else 'policy'} v{number}\t{latest.event_type}"
        )
    click.echo(f"{len(ids)} consent(s).")


@subjects_cli.command("withdraw")
@_subject_options
@click.option("--consent", "consent_id", help="One consent by its id, cookie or form.")
def withdraw(key, phone, email, account, consent_id):
    """Withdraw a subject's consents still in force, on their request (method ``operator``)."""
    if consent_id:
        site = site_named(key, "--site")
        if latest_event(site, consent_id) is None:
            raise click.BadParameter(f"no consent {consent_id!r}", param_hint="--consent")
        events = [e for e in [subjects.withdraw_by_operator(site, consent_id)] if e]
    else:
        site, _ = _find(key, phone, email, account)
        events = subjects.withdraw_for_subject(site, phone, email, account)
    for event in events:
        audit.record("consent.withdraw", site=site, target=event.consent_id)
    db.session.commit()
    click.echo(f"Withdrew {len(events)} consent(s).")


@subjects_cli.command("erase")
@_subject_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(key, phone, email, account, yes):
    """Erase the personal data of every consent of a subject (the proofs stay)."""
    site, events = _find(key, phone, email, account)
    if not events:
        click.echo("Nothing to erase.")
        return
    if not yes:
        click.confirm(f"Erase the personal data of {len(events)} event(s)?", abort=True)
    erased = subjects.erase_for_subject(site, phone, email, account)
    for consent_id in subjects.consent_ids(erased):
        audit.record("consent.erase", site=site, target=consent_id)
    db.session.commit()
    click.echo(f"Erased {len(erased)} event(s).")


@click.command("purge")
@click.option("--now", "now", help="Pretend it is this ISO date-time (for a dry look ahead).")
@click.option("--dry-run", is_flag=True, help="Count what is due; change nothing.")
def purge_command(now, dry_run):
    """Erase the personal data of proofs whose retention ended (safe to run from cron)."""
    when = moment(now)
    if dry_run:
        when = when or datetime.now(UTC)
        for site in db.session.scalars(select(Site).order_by(Site.key)):
            counts = [
                db.session.scalar(
                    select(func.count(ConsentEvent.id)).where(retention.due(site, kind, when))
                )
                for kind in ("cookie", "form")
            ]
            click.echo(f"{site.key}\t{counts[0]} cookie proof(s)\t{counts[1]} form consent(s)")
        return
    run = retention.purge(when, trigger="cli")
    click.echo(
        f"Purge run {run.id}: erased {run.erased_cookie} cookie proof(s) and "
        f"{run.erased_form} form consent event(s)."
    )


COMMANDS = (subjects_cli, purge_command)
