"""``flask`` commands for form consents: the consent document, subjects, the retention purge."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from marshmallow import ValidationError
from sqlalchemy import func, select

from . import documents, retention, subjects
from .consents import latest_event
from .errors import flatten
from .extensions import db
from .models import ConsentEvent, Site

forms_cli = AppGroup("forms", help="Consent documents and the forms that show them.")
subjects_cli = AppGroup("subjects", help="Find, withdraw or erase a data subject's consents.")


def _site(key: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise click.BadParameter(f"no site {key!r}", param_hint="--site")
    return site


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@forms_cli.command("publish-document")
@click.argument("key")
@click.argument("details", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective", help="ISO date-time it takes effect (default: now).")
def publish_document(key, details, effective):
    """Publish a personal-data consent document from a JSON file of its fields."""
    site = _site(key)
    try:
        version = documents.publish(site, json.loads(details.read_text("utf-8")), _when(effective))
    except ValidationError as error:
        problems = "; ".join(f"{k}: {v}" for k, v in flatten(error.messages).items())
        raise click.UsageError(problems) from None
    except json.JSONDecodeError as error:
        raise click.UsageError(f"{details} is not JSON: {error}") from None
    db.session.commit()
    click.echo(f"Published consent document version {version.number} of {key}.")
    for text in version.texts:
        url = _external(documents.document_url, site, version, text.language)
        click.echo(f"{text.language}\t{text.sha256}\t{url}")


@forms_cli.command("show-document")
@click.argument("key")
@click.option("--language", type=click.Choice(["kk", "ru", "en"]), default="ru")
def show_document(key, language):
    """Print the consent document in force."""
    version = documents.in_force(_site(key))
    if version is None:
        raise click.ClickException(f"{key} has no published consent document")
    text = version.text_for(language)
    click.echo(f"{text.title} (version {version.number}, sha256 {text.sha256})\n")
    click.echo(text.body)


@forms_cli.command("set")
@click.argument("key")
@click.option("--form", "forms", multiple=True, required=True, help="A form id, e.g. feedback.")
@click.option("--retention-days", type=click.IntRange(1, 36500), help="Keep form consents so long.")
def set_forms(key, forms, retention_days):
    """Name the site's consent forms (and their retention period)."""
    site = _site(key)
    site.forms = sorted(set(forms))
    if retention_days:
        site.form_retention_days = retention_days
    db.session.commit()
    click.echo(f"{key}: forms {', '.join(site.forms)}; kept {site.form_retention_days} days.")


@forms_cli.command("receipt-keys")
@click.argument("key")
def receipt_keys(key):
    """Print the keys a site's backend needs to verify form receipts offline (JSON)."""
    from .sites import signing_secrets

    click.echo(json.dumps(signing_secrets(_site(key))))
    click.echo("Keep these secret: they sign the site's receipts. Print them again after "
               "`flask sites rotate-key`.", err=True)


def _external(build, *args):
    """Build an external URL from the CLI, where there is no request to take the host from."""
    base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context(base_url=base):
        return build(*args)


def _subject_options(command):
    command = click.option("--email", help="The subject's e-mail.")(command)
    command = click.option("--phone", help="The subject's phone number.")(command)
    return click.option("--site", "key", required=True, help="The site key.")(command)


def _find(key, phone, email):
    if not phone and not email:
        raise click.UsageError("give --phone or --email (or both)")
    site = _site(key)
    try:
        return site, subjects.find_by_subject(site, phone, email)
    except subjects.InvalidSubject as error:
        raise click.BadParameter(error.message, param_hint=f"--{error.field}") from None


@subjects_cli.command("find")
@_subject_options
def find(key, phone, email):
    """List the form consents of a subject (found through the keyed hash)."""
    site, events = _find(key, phone, email)
    ids = subjects.consent_ids(events)
    for consent_id in ids:
        first = next(e for e in events if e.consent_id == consent_id)
        latest = latest_event(site, consent_id)
        number = first.policy_version.number if first.policy_version else "-"
        click.echo(
            f"{consent_id}\t{first.form_id}\t{first.created_at:%Y-%m-%d %H:%M}Z\t"
            f"document v{number}\t{latest.event_type}"
        )
    click.echo(f"{len(ids)} consent(s).")


@subjects_cli.command("withdraw")
@_subject_options
def withdraw(key, phone, email):
    """Withdraw every form consent of a subject still in force."""
    site, _ = _find(key, phone, email)
    events = subjects.withdraw_for_subject(site, phone, email)
    db.session.commit()
    click.echo(f"Withdrew {len(events)} consent(s).")


@subjects_cli.command("erase")
@_subject_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(key, phone, email, yes):
    """Erase the personal data of every form consent of a subject (the proofs stay)."""
    site, events = _find(key, phone, email)
    if not events:
        click.echo("Nothing to erase.")
        return
    if not yes:
        click.confirm(f"Erase the personal data of {len(events)} event(s)?", abort=True)
    erased = subjects.erase_for_subject(site, phone, email)
    db.session.commit()
    click.echo(f"Erased {len(erased)} event(s).")


@click.command("purge")
@click.option("--now", "now", help="Pretend it is this ISO date-time (for a dry look ahead).")
@click.option("--dry-run", is_flag=True, help="Count what is due; change nothing.")
def purge_command(now, dry_run):
    """Erase the personal data of proofs whose retention ended (safe to run from cron)."""
    moment = _when(now)
    if dry_run:
        moment = moment or datetime.now(UTC)
        for site in db.session.scalars(select(Site).order_by(Site.key)):
            counts = [
                db.session.scalar(
                    select(func.count(ConsentEvent.id)).where(retention.due(site, kind, moment))
                )
                for kind in ("cookie", "form")
            ]
            click.echo(f"{site.key}\t{counts[0]} cookie proof(s)\t{counts[1]} form consent(s)")
        return
    run = retention.purge(moment, trigger="cli")
    click.echo(
        f"Purge run {run.id}: erased {run.erased_cookie} cookie proof(s) and "
        f"{run.erased_form} form consent event(s)."
    )


def init_app(app: Flask) -> None:
    """Register the commands of this module."""
    for command in (forms_cli, subjects_cli, purge_command):
        app.cli.add_command(command)
