"""``flask forms``: consent documents and the forms that show them."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from ..accounts import audit
from ..commandline import confirm_publication, external, moment, read_text_file, site_named
from ..errors import flatten
from ..extensions import db
from ..sites import policies
from ..sites.registry import signing_secrets
from . import documents

forms_cli = AppGroup("forms", help="Consent documents and the forms that show them.")



@forms_cli.command("publish-document")
@click.argument("key")
@click.argument("details", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective", help="ISO date-time it takes effect (default: now).")
@click.option("--label", help="The site's own name for the version, e.g. 25.12.2025.")
@click.option("--yes", is_flag=True, help="Publish without asking for confirmation.")
@click.option("--dry-run", is_flag=True, help="Show what would be published; change nothing.")
def publish_document(key, details, effective, label, yes, dry_run):
    """Publish a personal-data consent document from a JSON file of its fields."""
    site = site_named(key)
    try:
        version = documents.draft(site, json.loads(read_text_file(details, "DETAILS")), label)
    except ValidationError as error:
        problems = "; ".join(f"{k}: {v}" for k, v in flatten(error.messages).items())
        raise click.UsageError(problems) from None
    except json.JSONDecodeError as error:
        raise click.UsageError(f"{details} is not JSON: {error}") from None
    confirm_publication(site, version, documents.in_force(site), yes=yes, dry_run=dry_run)
    policies.publish(version, moment(effective))
    audit.record("document.publish", site=site, target=f"personal_data v{version.number}")
    db.session.commit()
    click.echo(f"Published consent document version {version.number} of {key}.")
    for text in version.texts:
        url = external(documents.document_url, site, version, text.language)
        click.echo(f"{text.language}\t{text.sha256}\t{url}")


@forms_cli.command("show-document")
@click.argument("key")
@click.option("--language", type=click.Choice(["kk", "ru", "en"]), default="ru")
def show_document(key, language):
    """Print the consent document in force."""
    version = documents.in_force(site_named(key))
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
    site = site_named(key)
    site.forms = sorted(set(forms))
    if retention_days:
        site.form_retention_days = retention_days
    audit.record(
        "forms.update",
        site=site,
        details={"forms": site.forms, "retention_days": site.form_retention_days},
    )
    db.session.commit()
    click.echo(f"{key}: forms {', '.join(site.forms)}; kept {site.form_retention_days} days.")


@forms_cli.command("receipt-keys")
@click.argument("key")
def receipt_keys(key):
    """Print the keys a site's backend needs to verify form receipts offline (JSON)."""
    click.echo(json.dumps(signing_secrets(site_named(key))))
    click.echo("Keep these secret: they sign the site's receipts. Print them again after "
               "`flask sites rotate-key`.", err=True)


COMMANDS = (forms_cli,)
