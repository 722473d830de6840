"""What every server page shares: the language switch and the error texts."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import default_exceptions

from ..config import LANGUAGES
from .blueprint import bp

#: Each language named in itself, so a visitor finds theirs whatever the page's language.
NATIVE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

#: What a visitor reads on an error page, per status. Werkzeug's own descriptions are
#: English only, so they are replaced here by texts in the page's language.
ERRORS = {
    400: (_l("Bad request"), _l("The server could not understand this request.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("There is no page at this address. Check the link.")),
    405: (_l("Method not allowed"), _l("This page cannot be used this way.")),
    413: (_l("Request too large"), _l("The request is larger than the server accepts.")),
    415: (_l("Unsupported format"), _l("The server does not accept data in this format.")),
    422: (_l("Invalid data"), _l("Some of the data sent is not valid.")),
    429: (
        _l("Too many requests"),
        _l("Too many requests came from your network. Wait a minute and try again."),
    ),
    500: (_l("Server error"), _l("Something went wrong on the server. Try again later.")),
    503: (
        _l("Temporarily unavailable"),
        _l("The service is temporarily unavailable. Try again in a few seconds."),
    ),
}


def language_links(urls: dict[str, str] | None = None) -> list[dict]:
    """The language switch: kk first (the state language), then ru and en.

    ``urls`` maps a language to the page in it; by default the same page with ``?lang=``.
    """
    current = str(get_locale())
    links = []
    for code in LANGUAGES:
        if urls is not None and code not in urls:
            continue
        url = urls[code] if urls is not None else _same_page(code)
        links.append(
            {"code": code, "name": NATIVE_NAMES[code], "url": url, "current": code == current}
        )
    return links


def _same_page(language: str) -> str:
    if not request.endpoint or request.url_rule is None:
        return request.path + "?lang=" + language
    # Only the language is carried over: nothing else of the query (which might hold what a
    # visitor should not pass around) ends up in a link.
    return url_for(request.endpoint, **(request.view_args or {}), lang=language)


def error_text(status: int, message: str | None) -> dict:
    """Title, explanation and (when the server gave a specific one) the detail of an error."""
    title, explanation = ERRORS.get(status, ERRORS[500 if status >= 500 else 400])
    detail = None
    default = default_exceptions.get(status)
    # A specific message from a 4xx abort helps (e.g. how to create the demo site); the
    # default descriptions and the server's own 5xx/429 texts are covered by ours.
    if (
        message
        and status < 500
        and status != 429
        and (default is None or message != default.description)
    ):
        detail = message
    return {"title": title, "explanation": explanation, "detail": detail}


@bp.app_context_processor
def page_helpers() -> dict:
    return {"language_links": language_links, "error_text": error_text}
