"""What every capability's ``flask`` commands share: finding a site, the server's public URL."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import click
from flask import current_app
from sqlalchemy import select

from .extensions import db
from .models import PolicyVersion, Site

T = TypeVar("T")

#: Where the server answers when PUBLIC_URL is not set: the development server's address.
DEVELOPMENT_URL = "http://127.0.0.1:5000"


def site_named(key: str, param_hint: str = "KEY") -> Site:
    """The site ``key``, or a usage error naming the option that gave it."""
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise click.BadParameter(f"no site {key!r}", param_hint=param_hint)
    return site


def public_url() -> str:
    """The consent server's address as visitors reach it, without a trailing slash."""
    return (current_app.config.get("PUBLIC_URL") or DEVELOPMENT_URL).rstrip("/")


def external(build: Callable[..., T], *args, base_url: str | None = None) -> T:
    """Call ``build`` as if in a request to the public URL, so ``url_for`` builds its links."""
    with current_app.test_request_context(base_url=base_url or public_url()):
        return build(*args)


def moment(value: str | None) -> datetime | None:
    """An ISO date-time typed on the command line; UTC when it names no zone."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO date-time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_text_file(path: str, option: str) -> str:
    """A UTF-8 text file's content; an empty, unreadable or non-UTF-8 file is a usage error."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"cannot read {path!r}: {error}", param_hint=option) from None
    if not text.strip():
        raise click.BadParameter(f"{path!r} is empty", param_hint=option)
    return text


def confirm_publication(
    site: Site, draft: PolicyVersion, current: PolicyVersion | None, *, yes: bool, dry_run: bool
) -> None:
    """Show what publishing ``draft`` puts in force in place of ``current``; ask unless ``yes``.

    Versions can never change once published, so a mistake costs a new version: the texts'
    sizes, hashes and differences are shown before, and ``--dry-run`` shows them only. When
    the answer is no (or on a dry run) the draft is rolled back and the command ends here.
    """
    click.echo(f"Version {draft.number} of {site.key} ({draft.kind}):")
    for text in sorted(draft.texts, key=lambda t: t.language):
        old = current.text_for(text.language) if current else None
        click.echo(f"  {text.language}: {len(text.body.encode())} bytes, sha256 {text.sha256}")
        if old is None:
            click.echo("    new: no version in force in this language")
        elif old.sha256 == text.sha256:
            click.echo(f"    unchanged from version {current.number}")
        else:
            diff = difflib.unified_diff(
                old.body.splitlines(), text.body.splitlines(),
                f"version {current.number}", f"version {draft.number}", lineterm="", n=1,
            )
            lines = list(diff)
            for line in lines[:DIFF_LINES]:
                click.echo(f"    {line}")
            if len(lines) > DIFF_LINES:
                click.echo(f"    … {len(lines) - DIFF_LINES} more lines of difference")
    if dry_run or not (yes or click.confirm("Publish it? A published version can never change")):
        db.session.rollback()
        click.echo("Dry run: nothing was published." if dry_run else "Nothing was published.")
        raise click.exceptions.Exit(0 if dry_run else 1)


#: How much of a text's difference ``confirm_publication`` prints.
DIFF_LINES = 40
