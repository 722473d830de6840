"""``flask sites`` and ``flask policies``: the sites that embed the banner, their policies."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..accounts import audit
from ..commandline import (
    confirm_publication,
    external,
    moment,
    public_url,
    read_text_file,
    site_named,
)
from ..config import LANGUAGES
from ..embed.payload import script_tags, upcoming_tag
from ..extensions import db
from ..models import PolicyVersion, Site
from ..models.policy import POLICY_KINDS
from . import policies, registry
from .categories import WELL_KNOWN

sites_cli = AppGroup("sites", help="Create and list sites.")
policies_cli = AppGroup("policies", help="Publish policy versions.")



@sites_cli.command("create")
@click.argument("key")
@click.option("--name", required=True, help="The site's name, shown to operators.")
@click.option("--origin", "origins", multiple=True, required=True, help="An allowed origin.")
@click.option("--language", "languages", multiple=True, type=click.Choice(LANGUAGES))
@click.option("--default-language", type=click.Choice(LANGUAGES), default="ru")
@click.option("--metrika", type=int, help="Yandex.Metrika counter id.")
@click.option(
    "--category", "categories", multiple=True, type=click.Choice(WELL_KNOWN),
    help="A category after essential, in banner order (default: functional and analytics); "
    "categories of your own are added in the console.",
)
def create_site(key, name, origins, languages, default_language, metrika, categories):
    """Create a site that may embed the banner."""
    try:
        site = registry.create_site(
            key, name, list(origins), languages or LANGUAGES, default_language,
            categories=categories or ("functional", "analytics"),
        )
        if metrika:
            registry.add_metrika(site, metrika)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    audit.record("site.create", site=site, target=site.key, details={"origins": site.origins})
    db.session.commit()
    click.echo(f"Created site {site.key}. Embed it with:")
    click.echo(f'<script src="{public_url()}/embed/{site.key}.js" defer></script>')


@sites_cli.command("list")
def list_sites():
    """List the sites with their origins."""
    for site in db.session.scalars(select(Site).order_by(Site.key)):
        revision = policies.current_revision(site)
        click.echo(f"{site.key}\t{site.name}\trevision {revision}\t{' '.join(site.origins)}")


@sites_cli.command("rotate-key")
@click.argument("key")
def rotate_key(key):
    """Sign new receipts with a new key; old receipts keep verifying."""
    site = site_named(key)
    new_key = registry.rotate_key(site)
    audit.record("site.rotate_key", site=site, target=site.key, details={"key_id": new_key.id})
    db.session.commit()
    click.echo(f"Rotated the signing key of {key}; {len(site.keys)} keys verify its receipts.")


@sites_cli.group("apps")
def apps_cli():
    """The apps (bundle ids, package names) that may record a site's consents."""


@apps_cli.command("list")
@click.argument("key")
def list_apps(key):
    """List the apps allowed to record consent with method app."""
    for app in site_named(key).apps:
        click.echo(app)


@apps_cli.command("add")
@click.argument("key")
@click.argument("app_ids", nargs=-1, required=True)
def add_apps(key, app_ids):
    """Allow apps (e.g. kz.aina.shop) to record consent for the site."""
    _change_apps(key, lambda apps: apps + list(app_ids), "app_added", app_ids)


@apps_cli.command("remove")
@click.argument("key")
@click.argument("app_ids", nargs=-1, required=True)
def remove_apps(key, app_ids):
    """Stop apps from recording consent; what they recorded stays."""
    _change_apps(key, lambda apps: [a for a in apps if a not in app_ids], "app_removed", app_ids)


def _change_apps(key, change, what, app_ids):
    site = site_named(key)
    try:
        apps = registry.set_apps(site, change(list(site.apps)))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="APP_IDS") from None
    audit.record("site.update", site=site, target=site.key, details={what: list(app_ids)})
    db.session.commit()
    click.echo(f"Apps of {key}: {', '.join(apps) or 'none'}.")


def _text_options(command):
    """The options that give a version's texts, one file and URL and title per language."""
    for option in reversed((
        click.option("--text", "texts", multiple=True, required=True, metavar="LANG=FILE",
                     help="The policy text in one language, read from a UTF-8 file."),
        click.option("--url", "urls", multiple=True, metavar="LANG=URL",
                     help="Where the site hosts it."),
        click.option("--title", "titles", multiple=True, metavar="LANG=TITLE"),
        click.option("--label", help="The site's own name for the version, e.g. 13.03.2024."),
    )):
        command = option(command)
    return command


def _texts(texts, urls, titles) -> dict[str, dict]:
    by_language: dict[str, dict] = {}
    for item in texts:
        lang, path = _pair(item, "--text")
        by_language.setdefault(lang, {})["body"] = read_text_file(path, "--text")
    for option, values, field in (("--url", urls, "url"), ("--title", titles, "title")):
        for item in values:
            lang, value = _pair(item, option)
            by_language.setdefault(lang, {})[field] = value
    return by_language


@policies_cli.command("publish")
@click.argument("key")
@_text_options
@click.option("--changes", "changes", multiple=True, metavar="LANG=TEXT", help="What changed.")
@click.option("--significant", is_flag=True, help="Ask every visitor again.")
@click.option("--yes", is_flag=True, help="Publish without asking for confirmation.")
@click.option("--dry-run", is_flag=True, help="Show what would be published; change nothing.")
def publish_policy(key, texts, urls, titles, label, changes, significant, yes, dry_run):
    """Publish a cookie policy version from text files, one per language."""
    site = site_named(key)
    try:
        version = policies.draft(
            site,
            _texts(texts, urls, titles),
            significant=significant,
            changes=dict(_pair(item, "--changes") for item in changes),
            label=label,
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    confirm_publication(site, version, policies.in_force(site), yes=yes, dry_run=dry_run)
    policies.publish(version)
    audit.record(
        "policy.publish",
        site=site,
        target=f"cookie v{version.number}",
        details={"revision": version.revision, "significant": version.significant},
    )
    db.session.commit()
    revision = policies.revision_of(site, version)
    click.echo(f"Published version {version.number} of {key}; revision {revision}.")


@policies_cli.command("import")
@click.argument("key")
@_text_options
@click.option("--in-force-from", "since", required=True, metavar="YYYY-MM-DD",
              help="The day the site put this text in force, before it moved here.")
@click.option("--kind", type=click.Choice(POLICY_KINDS), default="cookie", show_default=True)
def import_policy(key, texts, urls, titles, label, since, kind):
    """Keep an earlier version of the site's policy as history: never in force here."""
    site = site_named(key)
    try:
        version = policies.draft(site, _texts(texts, urls, titles), kind=kind, label=label)
        policies.import_history(version, moment(since))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    audit.record("policy.import", site=site, target=f"{kind} v{version.number}",
                 details={"label": version.label, "in_force_from": since})
    db.session.commit()
    click.echo(f"Imported version {version.number} of {key} as history ({version.label or since}).")


@policies_cli.command("list")
@click.argument("key")
def list_policies(key):
    """List a site's versions: number, the site's label, kind, state, date in force."""
    site = site_named(key)
    versions = db.session.scalars(
        select(PolicyVersion)
        .where(PolicyVersion.site_id == site.id)
        .order_by(PolicyVersion.kind, PolicyVersion.number)
    )
    for version in versions:
        state = "imported" if version.is_imported else (
            "published" if version.is_published else "draft"
        )
        click.echo(f"{version.kind}\tv{version.number}\t{version.label or '-'}\t{state}\t"
                   f"{version.effective_at:%Y-%m-%d}")


def _pair(item: str, option: str) -> tuple[str, str]:
    lang, sep, value = item.partition("=")
    if not sep or lang not in LANGUAGES:
        raise click.BadParameter(
            f"expected LANG=VALUE with LANG in kk, ru, en: {item!r}", param_hint=option
        )
    return lang, value


@sites_cli.command("embed")
@click.argument("key")
@click.option(
    "--base-url",
    help="The consent server's public URL, as visitors reach it (default: PUBLIC_URL).",
)
def embed_tag(key, base_url):
    """Print the script tag for a site, and its pinned variant with an integrity hash."""
    site = site_named(key)
    # The script names its own server, so the hash holds only for this exact public URL.
    plain, pinned = external(script_tags, site, base_url=base_url and base_url.rstrip("/"))
    click.echo("Embed (always current):")
    click.echo(plain)
    click.echo()
    click.echo("Pinned, for pages that require Subresource Integrity. Print it again after")
    click.echo("every policy version, settings change or upgrade: the old hash stops loading.")
    click.echo(pinned)
    upcoming = external(upcoming_tag, site, base_url=base_url and base_url.rstrip("/"))
    if upcoming:
        version, tag = upcoming
        click.echo()
        click.echo(f"Pinned from {version.effective_at:%Y-%m-%d %H:%M} UTC, when policy version "
                   f"{version.number} takes effect (the one above answers until then; both")
        click.echo("answer now, so put this one in place before that moment):")
        click.echo(tag)


COMMANDS = (sites_cli, policies_cli)
