"""The console's preview: the real banner with words not saved yet, recording nothing.

The console mints a signed, short-lived token per site and language holding the words to
show; the script and its texts are served under the token's own address. The banner is
built as for visitors, with ``preview`` set, so it sends no decision: it answers clicks as
a visitor would see them and forgets them. Nothing here writes to the database.
"""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadData, URLSafeTimedSerializer

from ..errors import APIError
from ..models import Site
from ..sites.registry import get_site
from .blueprint import bp
from .payload import build, dialog_texts, site_texts
from .views import dialog_script, respond, texts_body

SALT = "cookieconsent.preview"
#: Long enough to look at a preview, short enough that an old link shows nothing.
MAX_AGE = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def token(site: Site, language: str, own_words: dict) -> str:
    """A token for the preview of ``site`` in ``language`` with ``own_words`` over the catalogs."""
    words = own_words.get(language) or {}
    return _serializer().dumps({"site": site.key, "language": language, "words": words})


def _opened(token: str) -> tuple[Site, dict]:
    try:
        data = _serializer().loads(token, max_age=MAX_AGE)
    except BadData:
        raise APIError(404, "No such preview.", {"token": "Unknown or expired."}) from None
    return get_site(data["site"]), {data["language"]: data["words"]}


def root(token: str) -> str:
    """Where a preview's banner fetches its texts from, in place of the consent server: what
    comes before the script's last ``/embed/``, as the banner reads it from its own address."""
    return url_for("embed.preview_script", token=token, _external=True).removesuffix(
        "/embed/script.js"
    )


@bp.get("/preview/<token>/embed/script.js")
def preview_script(token):
    """The banner of a preview: the site's config with the preview's words, never cached."""
    site, words = _opened(token)
    embed = build(site, {"server": root(token), "wording": words})
    return respond(embed, "no-store")


def _preview_texts(token: str, key: str, language: str, part):
    site, words = _opened(token)
    if key != site.key or language not in words:
        raise APIError(404, "No such preview.", {"language": "Not the preview's language."})
    return respond(texts_body(site, language, part, words), "no-store", "application/json")


@bp.get("/preview/<token>/embed/<key>/texts/<language>.json")
def preview_texts(token, key, language):
    """The banner's texts of a preview: the catalogs' with the preview's words over them."""
    return _preview_texts(token, key, language, site_texts)


@bp.get("/preview/<token>/embed/<key>/dialog/<language>.json")
def preview_dialog_texts(token, key, language):
    """The dialog's texts of a preview, likewise."""
    return _preview_texts(token, key, language, dialog_texts)


@bp.get("/preview/<token>/embed/_dialog/<version>.js")
def preview_dialog(token, version):
    """The dialog's code for a preview: the release's own."""
    _opened(token)
    return dialog_script(version)
