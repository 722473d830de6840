"""Pages a visitor reaches from the banner: policy texts and their own decision."""

from flask import abort, g, render_template, url_for
from flask_babel import force_locale, get_locale
from sqlalchemy import select

from ..config import LANGUAGES
from ..extensions import db
from ..i18n import locale
from ..models import PolicyVersion, Site
from ..sites import policies
from .blueprint import bp
from .texts import category_texts, script_texts


def _site_or_404(key: str) -> Site:
    # The API's get_site answers JSON; a person gets the HTML 404 page.
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None:
        abort(404)
    g.site_language = site.default_language
    locale.show_site_times(site)
    return site


@bp.get("/policies/<key>/<int:number>/<language>")
def policy_text(key, number, language):
    """The exact text of a published policy version, as visitors were shown it."""
    site = _site_or_404(key)
    version = db.session.scalar(
        select(PolicyVersion).where(
            PolicyVersion.site_id == site.id,
            PolicyVersion.kind == "cookie",
            PolicyVersion.number == number,
            PolicyVersion.published_at.is_not(None),
        )
    )
    text = version.text_for(language) if version else None
    if text is None:
        abort(404)
    # The address names the language of the text, so the whole page speaks it; the switch
    # leads to the same version in the other languages.
    urls = {
        t.language: url_for("preferences.policy_text", key=key, number=number, language=t.language)
        for t in version.texts
        if t.language in LANGUAGES
    }
    with force_locale(language if language in LANGUAGES else site.default_language):
        return render_template(
            "policy.html", site=site, version=version, text=text, language_urls=urls
        )


@bp.get("/preferences/<key>")
def page(key):
    """The visitor's own page: see, change or withdraw their decision, download the proof.

    The receipt travels in the URL fragment, which browsers never send, so this page is the
    same for every visitor; the script reads the decision from the API.
    """
    site = _site_or_404(key)
    version = policies.in_force(site)
    language = str(get_locale())
    text = version and (version.text_for(language) or version.text_for(site.default_language))
    policy_url = None
    if text:
        policy_url = text.url or url_for(
            "preferences.policy_text", key=site.key, number=version.number, language=text.language
        )
    shown = category_texts(site)
    response = render_template(
        "preferences.html",
        site=site,
        version=version,
        revision=policies.revision_of(site, version),
        policy_url=policy_url,
        categories=shown,
        texts=script_texts(shown),
    )
    return response, 200, {"Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language"}
