"""A site's categories: add, rename, reorder, remove; adding and removing ask visitors again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..accounts import audit
from ..embed.texts import is_banner_word
from ..extensions import db
from ..models import Site
from ..sites import categories as category_domain
from ..sites import policies
from .auth import admin_required, site_or_404
from .blueprint import bp
from .forms import ActionForm, category_language_fields, choices


def category_choices(site: Site):
    """The site's categories as a select's choices, named in the console's language."""
    return choices((c.key, title(c)) for c in site.categories)


def title(category) -> str:
    return category_domain.words(category, str(get_locale() or "en")[:2])[0]


def _form(site: Site, category=None):
    form = category_language_fields(site.languages)(prefix=category.key if category else "new")
    if category is not None and request.method == "GET":
        form.always_show.data = category.always_show
        for lang in site.languages:
            own = (category.texts or {}).get(lang) or {}
            getattr(form, f"title_{lang}").data = own.get("title", "")
            getattr(form, f"description_{lang}").data = own.get("description", "")
    return form


def _texts(site: Site, form) -> dict:
    return {
        lang: {
            "title": getattr(form, f"title_{lang}").data,
            "description": getattr(form, f"description_{lang}").data,
        }
        for lang in site.languages
    }


@bp.get("/sites/<key>/categories")
def categories_page(key):
    """The site's categories in banner order, which the banner shows, and why not."""
    site = site_or_404(key)
    shown = {c.key for c in category_domain.shown(site)}
    return render_template(
        "admin/categories.html",
        site=site,
        shown=shown,
        title=title,
        forms={c.key: _form(site, c) for c in site.categories},
        new=_form(site),
        well_known=[
            k for k in category_domain.WELL_KNOWN if k not in {c.key for c in site.categories}
        ],
        revision=policies.current_revision(site),
        form=ActionForm(),
    )


def _back(key):
    return redirect(url_for("admin.categories_page", key=key))


def _flash_errors(form):
    for field, errors in form.errors.items():
        flash(f"{getattr(form, field).label.text}: {' '.join(map(str, errors))}", "error")


@bp.post("/sites/<key>/categories")
@admin_required
def category_add(key):
    """Add a category once the operator confirmed that every visitor is asked again."""
    site = site_or_404(key)
    form = _form(site)
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(key)
    new_key = (form.key.data or "").strip()
    if not form.confirm.data:
        flash(_("Nothing was added: adding a category asks every visitor again, tick the box "
                "to confirm."), "error")
        return _back(key)
    if is_banner_word(new_key):
        flash(_("The key %(key)s is taken by one of the banner's texts: choose another.",
                key=new_key), "error")
        return _back(key)
    try:
        category_domain.add(site, new_key, _texts(site, form), form.always_show.data)
    except category_domain.CategoryError as error:
        flash(str(error), "error")
        return _back(key)
    audit.record("site.update", site=site, target=site.key,
                 details={"category_added": new_key, "revision": policies.current_revision(site)})
    db.session.commit()
    flash(_("Category %(key)s added. Every visitor will be asked again.", key=new_key))
    return _back(key)


@bp.post("/sites/<key>/categories/<category_key>")
@admin_required
def category_edit(key, category_key):
    """Rename a category per language, or show it even when nothing on the site uses it."""
    site = site_or_404(key)
    category = _find(site, category_key)
    form = _form(site, category)
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(key)
    category.texts = category_domain.clean_texts(site, _texts(site, form))
    category.always_show = bool(form.always_show.data) or category.locked
    audit.record("site.update", site=site, target=site.key,
                 details={"category_changed": category.key})
    db.session.commit()
    flash(_("Category %(key)s saved.", key=category.key))
    return _back(key)


@bp.post("/sites/<key>/categories/<category_key>/move")
@admin_required
def category_move(key, category_key):
    """Move a category up or down; the banner shows them in this order."""
    site = site_or_404(key)
    _find(site, category_key)
    if not ActionForm().validate_on_submit():
        abort(400)
    category_domain.move(site, category_key, -1 if request.form.get("to") == "up" else 1)
    audit.record("site.update", site=site, target=site.key,
                 details={"category_moved": category_key})
    db.session.commit()
    return _back(key)


@bp.post("/sites/<key>/categories/<category_key>/remove")
@admin_required
def category_remove(key, category_key):
    """Remove a category once the operator confirmed that every visitor is asked again."""
    site = site_or_404(key)
    _find(site, category_key)
    if not ActionForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "yes":
        flash(_("Nothing was removed: removing a category asks every visitor again, tick the "
                "box to confirm."), "error")
        return _back(key)
    try:
        category_domain.remove(site, category_key)
    except category_domain.CategoryError as error:
        flash(str(error), "error")
        return _back(key)
    audit.record("site.update", site=site, target=site.key,
                 details={"category_removed": category_key,
                          "revision": policies.current_revision(site)})
    db.session.commit()
    flash(_("Category %(key)s removed. Every visitor will be asked again.", key=category_key))
    return _back(key)


def _find(site: Site, category_key: str):
    try:
        return category_domain.find(site, category_key)
    except category_domain.CategoryError:
        abort(404)

