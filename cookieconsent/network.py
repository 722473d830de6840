"""What the server may know about the client's network address."""

import ipaddress
import logging
from urllib.parse import urlsplit

from flask import request

log = logging.getLogger("cookieconsent.network")


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
class ExpectProxies:
    """WSGI middleware, outside ProxyFix: warns (once per worker) when a request arrives with
    fewer ``X-Forwarded-For`` addresses than ``COOKIECONSENT_PROXY_COUNT`` promises.

    Such a request did not pass through the proxies, so the setting is wrong or the app is
    reachable around them; either way a client could then write the header itself and choose
    the address that is stored and rate-limited.
    """

    def __init__(self, app, count: int):
        self.app = app
        self.count = count
        self.warned = False

    def __call__(self, environ, start_response):
        if not self.warned:
            forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
            hops = len([part for part in forwarded.split(",") if part.strip()])
            if hops < self.count:
                self.warned = True
                log.warning(
                    "COOKIECONSENT_PROXY_COUNT is %d but a request from %s came with %d "
                    "X-Forwarded-For address(es): is the app reachable without its proxy? "
                    "Clients can then choose the address stored and rate-limited.",
                    self.count,
                    truncate_ip(environ.get("REMOTE_ADDR")),
                    hops,
                )
        return self.app(environ, start_response)
