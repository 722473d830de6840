"""``flask`` commands: sites, policies, the demo, translations."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from . import demo, forms_cli, policies, sites
from .admin import commands as admin_commands
from .config import LANGUAGES, ROOT
from .extensions import db
from .models import Site

sites_cli = AppGroup("sites", help="Create and list sites.")
policies_cli = AppGroup("policies", help="Publish policy versions.")
translate_cli = AppGroup("translate", help="Extract, update and compile the catalogs.")


def _site(key: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise click.BadParameter(f"no site {key!r}", param_hint="KEY")
    return site


@sites_cli.command("create")
@click.argument("key")
@click.option("--name", required=True, help="The site's name, shown to operators.")
@click.option("--origin", "origins", multiple=True, required=True, help="An allowed origin.")
@click.option("--language", "languages", multiple=True, type=click.Choice(LANGUAGES))
@click.option("--default-language", type=click.Choice(LANGUAGES), default="ru")
@click.option("--metrika", type=int, help="Yandex.Metrika counter id.")
def create_site(key, name, origins, languages, default_language, metrika):
    """Create a site that may embed the banner."""
    try:
        site = sites.create_site(key, name, list(origins), languages or LANGUAGES, default_language)
        if metrika:
            sites.add_metrika(site, metrika)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(f"Created site {site.key}. Embed it with:")
    click.echo(f'<script src="{_public_url()}/embed/{site.key}.js" defer></script>')


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
    site = _site(key)
    sites.rotate_key(site)
    db.session.commit()
    click.echo(f"Rotated the signing key of {key}; {len(site.keys)} keys verify its receipts.")


@policies_cli.command("publish")
@click.argument("key")
@click.option(
    "--text",
    "texts",
    multiple=True,
    required=True,
    metavar="LANG=FILE",
    help="The policy text in one language, read from a UTF-8 file.",
)
@click.option("--url", "urls", multiple=True, metavar="LANG=URL", help="Where the site hosts it.")
@click.option("--title", "titles", multiple=True, metavar="LANG=TITLE")
@click.option("--changes", "changes", multiple=True, metavar="LANG=TEXT", help="What changed.")
@click.option("--significant", is_flag=True, help="Ask every visitor again.")
def publish_policy(key, texts, urls, titles, changes, significant):
    """Publish a cookie policy version from text files, one per language."""
    site = _site(key)
    by_language: dict[str, dict] = {}
    for item in texts:
        lang, path = _pair(item, "--text")
        by_language.setdefault(lang, {})["body"] = Path(path).read_text("utf-8")
    for option, values, field in (("--url", urls, "url"), ("--title", titles, "title")):
        for item in values:
            lang, value = _pair(item, option)
            by_language.setdefault(lang, {})[field] = value
    try:
        version = policies.draft(
            site,
            by_language,
            significant=significant,
            changes=dict(_pair(item, "--changes") for item in changes),
        )
        policies.publish(version)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(f"Published version {version.number} of {key}; revision {version.revision}.")


def _pair(item: str, option: str) -> tuple[str, str]:
    lang, sep, value = item.partition("=")
    if not sep or lang not in LANGUAGES:
        raise click.BadParameter(
            f"expected LANG=VALUE with LANG in kk, ru, en: {item!r}", param_hint=option
        )
    return lang, value


@click.command("demo")
@click.option("--origin", "origins", multiple=True, help="Another origin that may embed the demo.")
def demo_command(origins):
    """Create the demo site (idempotent) and allow extra origins to embed it."""
    try:
        site = demo.seed(origins)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(f"Demo site {site.key!r} ready; origins: {' '.join(site.origins)}")
    click.echo(f"Open {_public_url()}/demo")


def _public_url() -> str:
    return current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"


@translate_cli.command("extract")
def extract():
    """Collect the messages of the code and templates into translations/messages.pot."""
    _babel(["extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
            "-k", "lazy_pgettext:1c,2",
            "--no-location", "--sort-output", "-o", str(ROOT / "translations" / "messages.pot"),
            # babel.cfg's patterns are relative to this directory: cookieconsent/**.py.
            str(ROOT)])


@translate_cli.command("update")
def update():
    """Merge messages.pot into the kk, ru and en catalogs."""
    _babel(["update", "-i", str(ROOT / "translations" / "messages.pot"),
            "-d", str(ROOT / "translations"), "--no-fuzzy-matching"])


@translate_cli.command("compile")
def compile_catalogs():
    """Compile the catalogs to .mo files (not committed)."""
    compile_translations()


def compile_translations() -> None:
    """Compile every translations/<lang>/LC_MESSAGES/messages.po next to itself."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po:
            catalog = read_po(po)
        with po_path.with_suffix(".mo").open("wb") as mo:
            write_mo(mo, catalog)


def _babel(args: list[str]) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


def init_app(app: Flask) -> None:
    from .embed.cli import embed_tag

    sites_cli.add_command(embed_tag)
    for command in (sites_cli, policies_cli, translate_cli, demo_command):
        app.cli.add_command(command)
    forms_cli.init_app(app)
    from .ledger_cli import ledger_cli

    app.cli.add_command(ledger_cli)
    admin_commands.init_app(app)
