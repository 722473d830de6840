"""``flask scan SITE``: visit the site in Chromium and report what it stores before consent."""

from __future__ import annotations

import json

import click
from flask_babel import force_locale

from ..accounts.audit import cli_actor
from ..commandline import public_url, site_named
from ..config import LANGUAGES
from ..extensions import db
from ..models import Site
from . import report as reports
from . import runs, wording
from .browser import Limits, ScannerUnavailable


class ScanFailed(click.ClickException):
    exit_code = 2  # 1 means "violations found": a scan that could not run must not look so


@click.command("scan")
@click.argument("key", metavar="SITE")
@click.option("--url", "urls", multiple=True, help="A page to start from (inside the origins).")
@click.option("--pages", type=click.IntRange(1, 500), default=10, show_default=True,
              help="How many pages to visit, following same-origin links.")
@click.option("--depth", type=click.IntRange(0, 10), default=3, show_default=True,
              help="How many links deep to follow.")
@click.option("--page-timeout", type=click.FloatRange(1, 120), default=15, show_default=True,
              help="Seconds a page may take to load.")
@click.option("--scan-timeout", type=click.FloatRange(10, 7200), default=600, show_default=True,
              help="Seconds the whole scan may take.")
@click.option("--allow-third-party", is_flag=True,
              help="Let requests to other hosts load (default: recorded and blocked).")
@click.option("--server", help="The consent server's URL the banner loads from "
              "(default: PUBLIC_URL).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True)
@click.option("--apply", "apply_", is_flag=True,
              help="Declare the suggested services on the site (asks first).")
@click.option("--yes", is_flag=True, help="Apply without asking.")
def scan(key, urls, pages, depth, page_timeout, scan_timeout, allow_third_party, server,
         as_json, lang, apply_, yes):
    """Scan SITE before a decision, after Reject all and after Accept all.

    Exits 1 when a violation is found, 0 when none, 2 when the scan could not run.
    """
    site = site_named(key, "SITE")
    limits = Limits(pages=pages, depth=depth, page_seconds=page_timeout,
                    scan_seconds=scan_timeout)
    try:
        row = runs.run(site, actor=cli_actor(), server_origin=server or public_url(),
                       urls=list(urls), limits=limits, allow_third_party=allow_third_party)
    except runs.ScanRefused as error:
        raise click.BadParameter(error.message, param_hint=f"--{error.field}"
                                 if error.field == "url" else "SITE") from None
    except ScannerUnavailable as error:
        raise ScanFailed(str(error)) from None
    report = row.report
    with force_locale(lang):
        for found in report["findings"]:
            found["message"] = wording.describe(found)
        if as_json:
            click.echo(json.dumps({"id": row.id} | report, ensure_ascii=False, indent=2))
        else:
            _summary(row, report)
    if apply_ and report["suggestions"]:
        _apply(row.site_id, report["suggestions"], yes)
    raise click.exceptions.Exit(1 if reports.violations(report) else 0)


def _summary(row, report) -> None:
    visited = row.pages
    click.echo(f"Scan {row.id} of {report['site']}: {visited} pages, "
               f"{row.violations} violations, {row.findings} findings.")
    for found in report["findings"]:
        where = f" [{found['page']}]" if found.get("page") else ""
        new = " (new)" if found.get("new") else ""
        click.echo(f"  {found['severity']}{new}: {found['message']}{where}")
        if found["severity"] == reports.VIOLATION:
            click.echo(f"    source: {wording.source(found)}")
    for name, total in report["truncated"].items():
        click.echo(f"  {name}: {total} in all, the report keeps the first "
                   f"{reports.CAPS.get(name.split(':')[0], '')}")


def _apply(site_id, suggestions, yes) -> None:
    site = db.session.get(Site, site_id)
    click.echo("Services to declare on the site:")
    for suggestion in suggestions:
        names = ", ".join(suggestion["cookies"] + suggestion["storage_keys"])
        click.echo(f"  {suggestion['name']} ({suggestion['category']}): {names}")
    if not (yes or click.confirm("Declare them?")):
        click.echo("Nothing was changed.")
        return
    changed = runs.apply(site, suggestions)
    db.session.commit()
    click.echo(f"Declared {len(changed)} services on {site.key}.")


COMMANDS = (scan,)
