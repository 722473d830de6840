"""gunicorn's access log without personal data (``logger_class`` in gunicorn.conf.py).

Whatever ``access_log_format`` an operator picks, the line never shows a full IP address
(the client's address is cut to its /24 or /48, forwarded-for headers are dropped), a query
string or a referrer path (either may carry an e-mail or a phone number).
"""

from __future__ import annotations

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
        for name in list(atoms):
            if name.endswith("}i") and name[1:-2] in DROPPED_HEADERS:
                atoms[name] = "-"
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
