"""What every capability's ``flask`` commands share: finding a site, the server's public URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import click
from flask import current_app
from sqlalchemy import select

from .extensions import db
from .models import Site

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
