"""CORS for the API: only a site's own origins, never with credentials."""

from flask import g, request

from ..models import Site
from ..sites.registry import normalize_origin, origin_allowed
from ..sites.snapshots import all_origins
from .blueprint import bp


def own_origin() -> str:
    return request.host_url.rstrip("/")


def check_origin(site: Site) -> bool:
    """A browser call from a page that is neither the site nor this server is refused."""
    origin = request.headers.get("Origin")
    # Decided now: after the view commits, reading site.origins would reload the site.
    g.cors_allowed = origin_allowed(site, origin)
    return not origin or origin == own_origin() or g.cors_allowed


def _any_site_allows(origin: str, database: bool = True) -> bool:
    try:
        return normalize_origin(origin) in all_origins(database)
    except ValueError:
        return False


@bp.after_request
def add_cors_headers(response):
    # Taken, not read: g may outlive the request (an app context pushed around several).
    decided = g.pop("cors_allowed", None)
    origin = request.headers.get("Origin")
    if not origin:
        return response
    response.vary.add("Origin")
    if request.method == "OPTIONS":
        allowed = _any_site_allows(origin)
        if allowed:
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
    elif decided is not None:
        allowed = decided
    else:
        # An error before the view knew its site (a 429, a body it could not read, a database
        # that is down): the banner on any site's page must read it, or it cannot tell a
        # refusal from a network error and wait as told. After a 5xx the database may be
        # down: ask it nothing.
        status = response.status_code
        allowed = status >= 400 and _any_site_allows(origin, database=status < 500)
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        if "Retry-After" in response.headers:
            response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response
