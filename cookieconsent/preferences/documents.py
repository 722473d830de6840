"""The personal-data consent document, as the checkbox of a form links it."""

from flask import abort, redirect, render_template
from flask_babel import force_locale

from ..config import LANGUAGES
from ..forms import documents
from ..i18n.locale import select_locale, show_site_times
from ..sites.registry import get_site
from .blueprint import bp

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


@bp.get("/consent/<key>/<int:number>/<language>")
def consent_document(key, number, language):
    """The exact text of a published consent document, in the language shown on the form."""
    site = get_site(key)
    version = documents.published_version(site, number)
    text = version.text_for(language) if version else None
    if text is None:
        abort(404)
    others = [(t.language, LANGUAGE_NAMES[t.language]) for t in version.texts
              if t.language != language]
    show_site_times(site)
    # The address names the document's language, so the whole page speaks it, chrome too.
    with force_locale(language):
        return render_template(
            "consent_document.html", site=site, version=version, text=text, others=others
        )


@bp.get("/consent/<key>")
def current_consent_document(key):
    """The consent document in force, in the visitor's language: a stable link for sites."""
    site = get_site(key)
    version = documents.in_force(site)
    if version is None:
        abort(404)
    language = select_locale()
    if language not in LANGUAGES or version.text_for(language) is None:
        language = site.default_language
    return redirect(documents.document_url(site, version, language), 302)
