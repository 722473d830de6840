"""A site's own banner words, and the live preview of its banner before they are saved."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..accounts import audit
from ..embed import preview
from ..embed.texts import texts_for
from ..extensions import db
from ..sites import wording
from .auth import admin_required, site_or_404
from .blueprint import bp
from .forms import LANGUAGE_NAMES, ActionForm

#: The preview's frames: (name, width, height) of a phone and of a desktop window.
DEVICES = (("phone", 360, 640), ("desktop", 1280, 800))
SCHEMES = ("light", "dark")


def _submitted() -> dict:
    """``{language: {key: text}}`` from fields named ``kk.title``, ``ru.intro``..."""
    submitted: dict = {}
    for name, text in request.form.items():
        language, _dot, key = name.partition(".")
        if key:
            submitted.setdefault(language, {})[key] = text
    return submitted


@bp.route("/sites/<key>/wording", methods=["GET", "POST"])
@admin_required
def site_wording(key):
    """Edit the banner's words per language; saving asks whether the change is significant."""
    site = site_or_404(key)
    form = ActionForm()
    words, errors = site.wording or {}, {}
    if form.validate_on_submit():
        try:
            words = wording.clean(site, _submitted())
        except wording.WordingError as error:
            words, errors = _submitted(), error.errors
        else:
            if "preview" in request.form:
                return _preview(site, words)
            significant = request.form.get("significant") == "yes"
            asked_again = wording.save(site, words, significant=significant)
            audit.record(
                "site.update",
                site=site,
                target=site.key,
                details={"wording": sorted(words), "significant": asked_again},
            )
            db.session.commit()
            flash(
                _("Saved. Visitors are asked again.") if asked_again
                else _("Saved. New visitors see the new words; earlier choices stand.")
            )
            return redirect(url_for("admin.site_wording", key=site.key))
    status = 422 if errors else 200
    return render_template(
        "admin/wording.html",
        site=site,
        form=form,
        words=words,
        errors=errors,
        defaults={language: texts_for(language) for language in site.languages},
        limits=wording.LIMITS,
        labels=wording.LABELS,
        language_names=LANGUAGE_NAMES,
    ), status


@bp.get("/sites/<key>/preview")
def site_preview(key):
    """The site's banner as it is saved, in each language, light and dark, phone and desktop."""
    site = site_or_404(key)
    return _preview(site, site.wording or {})


def _preview(site, words: dict):
    frames = [
        {
            "language": language,
            "scheme": scheme,
            "device": device,
            "width": width,
            "height": height,
            "src": url_for(
                "admin.site_preview_frame",
                key=site.key,
                token=preview.token(site, language, words),
                language=language,
                scheme=scheme,
            ),
        }
        for language in site.languages
        for scheme in SCHEMES
        for device, width, height in DEVICES
    ]
    page = render_template(
        "admin/preview.html", site=site, frames=frames, draft=words != (site.wording or {})
    )
    return page, 200, {"Content-Security-Policy": _csp(frame_src="'self'")}


@bp.get("/sites/<key>/preview/frame")
def site_preview_frame(key):
    """One frame of the preview: a plain page that loads the preview's banner script."""
    site = site_or_404(key)
    token = request.args.get("token", "")
    scheme = request.args.get("scheme") if request.args.get("scheme") in SCHEMES else "light"
    language = request.args.get("language")
    language = language if language in site.languages else site.default_language
    with force_locale(language):  # the page behind the banner is in the banner's language
        page = render_template(
            "admin/preview_frame.html",
            site=site,
            scheme=scheme,
            script=url_for("embed.preview_script", token=token),
            language=language,
        )
    # The banner may fetch its texts from the preview's address and nothing else: even a
    # banner that tried could not send a decision from here.
    connect = preview.root(token) + "/"
    return page, 200, {
        "Content-Security-Policy": _csp(connect_src=connect, frame_ancestors="'self'"),
        "X-Frame-Options": "SAMEORIGIN",
    }


def _csp(*, frame_src="'none'", connect_src="'self'", frame_ancestors="'none'") -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect_src}; frame-src {frame_src}; form-action 'self'; "
        f"base-uri 'none'; object-src 'none'; frame-ancestors {frame_ancestors}"
    )
