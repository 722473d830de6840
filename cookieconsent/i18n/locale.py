"""Choosing the language of a page, and the catalogs behind it."""

from __future__ import annotations

from flask import Flask, current_app, g, request

from ..config import LANGUAGES
from ..models.site import DEFAULT_TIME_ZONE, Site

COOKIE = "cookieconsent_lang"


def select_locale() -> str:
    """Explicit choice (query, then cookie), then Accept-Language, then the site's default."""
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    best = request.accept_languages.best_match(LANGUAGES)
    return best or g.get("site_language") or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_time_zone() -> str:
    """The zone a page shows times in: its site's, else Kazakhstan's."""
    return g.get("time_zone") or DEFAULT_TIME_ZONE


def show_site_times(site: Site) -> None:
    """Show the times of this request's page in ``site``'s zone."""
    g.time_zone = site.time_zone or DEFAULT_TIME_ZONE


def init_app(app: Flask) -> None:
    @app.after_request
    def remember_choice(response):
        lang = request.args.get("lang")
        if lang in LANGUAGES and request.cookies.get(COOKIE) != lang:
            response.set_cookie(
                COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True,
                secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
        return response

    @app.context_processor
    def languages():
        from flask_babel import get_locale

        return {"languages": LANGUAGES, "current_language": str(get_locale())}

    # A global, not context: the console's macros are imported without context.
    app.add_template_global(select_time_zone, "time_zone")
