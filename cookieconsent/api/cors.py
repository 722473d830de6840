"""CORS for the API: only a site's own origins, never with credentials."""

from flask import g, request
from sqlalchemy import select

from ..extensions import db
from ..models import Site
from ..sites.registry import normalize_origin, origin_allowed
from .blueprint import bp


def own_origin() -> str:
    return request.host_url.rstrip("/")


def check_origin(site: Site) -> bool:
    """A browser call from a page that is neither the site nor this server is refused."""
    g.cors_site = site
    origin = request.headers.get("Origin")
    # Decided now: after the view commits, reading site.origins would reload the site.
    g.cors_allowed = origin_allowed(site, origin)
    return not origin or origin == own_origin() or g.cors_allowed


def _any_site_allows(origin: str) -> bool:
    try:
        origin = normalize_origin(origin)
    except ValueError:
        return False
    return any(origin in origins for origins in db.session.scalars(select(Site.origins)))


@bp.after_request
def add_cors_headers(response):
    origin = request.headers.get("Origin")
    if not origin:
        return response
    response.vary.add("Origin")
    site = g.get("cors_site")
    if request.method == "OPTIONS":
        allowed = _any_site_allows(origin)
        if allowed:
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
    else:
        allowed = site is not None and g.get("cors_allowed", False)
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
    return response
