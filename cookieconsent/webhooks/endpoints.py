"""A site's webhook endpoints: where they may point, their secrets."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Site, WebhookEndpoint
from ..models.types import utcnow
from ..models.webhook import ALWAYS, EVENTS


class InvalidEndpoint(ValueError):
    """A webhook URL that may not be used; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "url"):
        super().__init__(message)
        self.field = field
        self.message = message


def refused_address(host: str, port: int | None) -> str | None:
    """Why ``host`` may not be called (an address of ours or of a private network), or None.

    A console admin, or whoever steals an admin's session, must not make this server call
    its own loopback, the database next to it or the cloud's metadata address (SSRF).
    """
    if current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
        return None
    try:
        found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return f"{host} does not resolve"
    for *_, address in found:
        ip = ipaddress.ip_address(address[0].split("%")[0])
        if not ip.is_global or ip.is_multicast:
            return f"{host} is a loopback, private or reserved address ({ip})"
    return None


def check_url(url: str) -> str:
    """``url`` stripped, or :class:`InvalidEndpoint`: only http(s), only public addresses."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidEndpoint("Must be an http or https URL.")
    if len(url) > 2000:
        raise InvalidEndpoint("At most 2000 characters.")
    try:
        port = parts.port
    except ValueError:
        raise InvalidEndpoint("Not a valid port.") from None
    problem = refused_address(parts.hostname, port)
    if problem:
        raise InvalidEndpoint(f"Refused: {problem}.")
    return url


def add(site: Site, url: str, *, recorded: bool = False) -> WebhookEndpoint:
    """A new endpoint of ``site`` with a fresh secret; it hears ``consent.recorded`` if asked."""
    endpoint = WebhookEndpoint(
        site_id=site.id,
        url=check_url(url),
        secret=secrets.token_hex(32),
        events=list(ALWAYS) + (["consent.recorded"] if recorded else []),
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint) -> None:
    """Sign from now on with a new secret; deliveries still waiting are signed with it too."""
    endpoint.secret = secrets.token_hex(32)
    endpoint.secret_rotated_at = utcnow()
    db.session.flush()


def of_site(site_id: int) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.site_id == site_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def get(site: Site, endpoint_id: int) -> WebhookEndpoint | None:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    return endpoint if endpoint is not None and endpoint.site_id == site.id else None


__all__ = ["EVENTS", "InvalidEndpoint", "add", "check_url", "get", "of_site", "rotate_secret"]
