"""What the server may know about the client's network address."""

import ipaddress
from urllib.parse import urlsplit

from flask import request


def client_ip() -> str:
    """The client's address as Flask sees it (after ProxyFix, when configured)."""
    return request.remote_addr or "0.0.0.0"


def truncate_ip(address: str | None) -> str | None:
    """Keep the network, drop the host: /24 for IPv4, /48 for IPv6."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


class PublicAddress:
    """WSGI middleware: every request is answered as one sent to the public URL.

    With ``COOKIECONSENT_PUBLIC_URL`` set, the request's ``Host`` (and, behind ProxyFix,
    ``X-Forwarded-Host``) is replaced before Flask sees it, so no link, script, redirect or
    header can carry a host an attacker chose. The embed script is cached publicly: a forged
    host in it would reach every visitor of the cache (a poisoned ``server`` field).
    """

    def __init__(self, wsgi_app, public_url: str):
        parts = urlsplit(public_url)
        self.wsgi_app = wsgi_app
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.server = (parts.hostname, str(parts.port or (443 if parts.scheme == "https" else 80)))

    def __call__(self, environ, start_response):
        environ["HTTP_HOST"] = self.host
        environ["SERVER_NAME"], environ["SERVER_PORT"] = self.server
        environ["wsgi.url_scheme"] = self.scheme
        environ.pop("HTTP_X_FORWARDED_HOST", None)
        return self.wsgi_app(environ, start_response)
