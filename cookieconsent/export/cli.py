"""``flask export``: a site's consent log as CSV or JSON Lines, from a shell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from ..accounts import audit
from ..commandline import site_named
from ..extensions import db
from . import events, formats


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
    "--format", "fmt", type=click.Choice(sorted(formats.FORMATS)), default="csv", show_default=True
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
    site = site_named(site_key, "SITE_KEY")
    flt = events.EventFilter(start=_day(start), end=_day(end, 1))
    total = events.count(site, flt)
    audit.record(
        "export",
        site=site,
        target=fmt,
        details={"from": start, "to": end, "rows": total, "via": "cli"},
    )
    db.session.commit()
    pieces = formats.chunks(site, flt, fmt)
    if output == "-":
        for text, _ in pieces:
            click.echo(text, nl=False)
        return
    # newline="": the CSV has its own line ends (CRLF, as RFC 4180 asks).
    with open(output, "w", encoding="utf-8", newline="") as out:
        with click.progressbar(length=total, label=f"Exporting {site.key}") as bar:
            for text, rows in pieces:
                out.write(text)
                bar.update(rows)
    click.echo(f"Wrote {total} events to {output}.", err=True)


COMMANDS = (export_command,)
