"""Logs without personal data: gunicorn's access log, and a filter for the other loggers.

Whatever ``access_log_format`` an operator picks, an access line never shows a full IP address
(the client's address is cut to its /24 or /48, forwarded-for headers are dropped), a query
string or a referrer path (either may carry an e-mail or a phone number), and what else the
client wrote (the path, the user agent, any header) goes through :func:`scrub`, which hides
addresses, e-mails and phone numbers. gunicorn's error log (which quotes a bad request and its
sender) and the other loggers that may quote an address (the development server, the app's
own) go through :class:`PrivacyFilter`.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

from .network import truncate_ip

#: Request headers that carry the client's address or its credentials.
DROPPED_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip", "cookie", "authorization")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else "-"


class PrivateLogger(Logger):
    """gunicorn's logger, with the personal parts of each access-log atom removed."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = truncate_ip(environ.get("REMOTE_ADDR")) or "-"
        atoms["r"] = f"{atoms['m']} {atoms['U']} {atoms['H']}"
        atoms["q"] = ""
        atoms["f"] = _origin(atoms.get("f") or "")
        for name in ("r", "U", "a"):
            atoms[name] = scrub(atoms[name])
        for name in list(atoms):
            if name.endswith("}i") and name[1:-2] in DROPPED_HEADERS:
                atoms[name] = "-"
            elif name.endswith("}i"):
                atoms[name] = scrub(str(atoms[name]))
            elif name.endswith("}e") and name[1:-2] in {
                "remote_addr",
                "query_string",
                "raw_uri",
                "http_x_forwarded_for",
                "http_cookie",
                "http_referer",
            }:
                atoms[name] = "-"
        return atoms

    def setup(self, cfg) -> None:
        super().setup(cfg)
        # The error log quotes a bad request and its sender's address ("Invalid request
        # from ip=..."), in the master and the workers alike.
        if not any(isinstance(f, PrivacyFilter) for f in self.error_log.filters):
            self.error_log.addFilter(PrivacyFilter())


#: What may be an IPv6 address (two colons at least), perhaps followed by a port's colon.
_IPV6 = re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]{2,45}")
#: Four numbers: an IPv4 address, followed by anything (a port, a colon, a letter).
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Ten to fifteen digits, spaces, dashes or brackets between them: +7 (701) 234-56-78; not a
#: version number (dots) or a port (after a colon).
_PHONE = re.compile(r"(?<![\w+:])(?<!\d\.)\+?\d(?:[\s()-]{0,2}\d){9,14}(?!\w|\.\d)")


def scrub(text: str) -> str:
    """``text`` with every IP address cut to its network and every e-mail address and phone
    number hidden."""

    def network(match: re.Match) -> str:
        token = match.group(0)
        for address in (token, token.rstrip(":.")):
            try:
                ipaddress.ip_address(address)
            except ValueError:
                continue
            return (truncate_ip(address) or address) + token[len(address) :]
        return token

    text = _IPV4.sub(network, _IPV6.sub(network, text))
    return _PHONE.sub("<phone>", _EMAIL.sub("<e-mail>", text))


class PrivacyFilter(logging.Filter):
    """A logging filter that scrubs each record's message (see :func:`scrub`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


#: Loggers that may see a client's address: the development server's request log, the app's
#: own, gunicorn's error log.
PRIVATE_LOGGERS = ("werkzeug", "cookieconsent", "gunicorn.error")


def protect_logs() -> None:
    """Attach the filter to every logger that may see a client's address (idempotent)."""
    for name in PRIVATE_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, PrivacyFilter) for f in logger.filters):
            logger.addFilter(PrivacyFilter())
