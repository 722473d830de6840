"""Same-origin mode: a recorded decision answered with the site's cookie (docs/embedding.md).

The site routes a path of its own origin (``https://shop.kz/consent/``) to this server. A
decision sent there is answered with a ``Set-Cookie`` that the browser files under the site's
host, as a cookie of the site's own HTTP response: Safari keeps it for its whole term.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import request

from ..client import set_consent_cookie
from ..sites.registry import origin_allowed
from ..sites.snapshots import SiteSnapshot


def through_site_origin(site: SiteSnapshot) -> bool:
    """The browser sent this request to the page's own origin, and that origin is the site's.

    ``Sec-Fetch-Site`` is written by the browser, never by a page. Without it (the banner on
    another origin, an older browser) there is no cookie: the browser would file it under this
    server's host. A client that writes the headers itself gets a cookie only in its own jar.
    """
    return request.headers.get("Sec-Fetch-Site") == "same-origin" and origin_allowed(
        site, request.headers.get("Origin")
    )


def answer_with_cookie(response, site: SiteSnapshot, receipt: str, term: timedelta) -> None:
    """Add the site's cookie holding ``receipt`` for ``term``, in same-origin mode only."""
    if not through_site_origin(site):
        return
    origin = urlsplit(request.headers["Origin"])
    domain = site.cookie_domain
    # The site's domain only where the page is on it: the browser would refuse any other.
    if domain and not ("." + (origin.hostname or "")).endswith("." + domain):
        domain = None
    set_consent_cookie(
        response, receipt, site=site.key, name=site.consent_cookie, domain=domain,
        max_age=max(int(term.total_seconds()), 0), secure=origin.scheme == "https",
    )
