"""A site's services: declared by hand or from the catalogue, named in every language."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..accounts import audit
from ..catalogue import services as catalogue
from ..config import LANGUAGES
from ..extensions import db
from ..models import Service, Site
from ..sites import registry as site_domain
from .auth import site_or_404
from .blueprint import bp
from .categories import category_choices
from .forms import ActionForm, ServiceForm

TEXTS = ("name", "provider", "purpose")


def split_list(value: str | None) -> list[str]:
    """``"a, b\\nc"`` → ``["a", "b", "c"]``."""
    return [item.strip() for item in (value or "").replace("\n", ",").split(",") if item.strip()]


def service_form(site: Site, args=None) -> tuple[ServiceForm, list[dict]]:
    """The add form, filled from the catalogue when ``?service=`` names one of its services,
    and the catalogue's services that match ``?q=``; its categories are the site's."""
    args = args or {}
    preset = catalogue.preset(args.get("service", "")) if args.get("service") else None
    form = ServiceForm(data=_form_data(preset) if preset else None)
    form.category.choices = category_choices(site)
    return form, catalogue.search(args.get("q", ""), str(get_locale()))


def _form_data(preset: dict) -> dict:
    data = {
        "key": preset["key"],
        "category": preset["category"],
        "cookies": ", ".join(preset["cookies"]),
        "storage_keys": ", ".join(preset["storage_keys"]),
        "cookie_texts": json.dumps(
            {lang: texts.get("cookies", {}) for lang, texts in preset["texts"].items()},
            ensure_ascii=False,
        ),
    }
    for lang, texts in preset["texts"].items():
        for name in TEXTS:
            data[f"{name}_{lang}"] = texts.get(name, "")
    return data


def _cookie_texts(form: ServiceForm, cookies: list[str]) -> dict[str, dict] | None:
    """``{lang: {cookie: {"purpose", "lifetime"}}}`` for the form's cookies, or None when the
    field is not such an object."""
    try:
        given = json.loads(form.cookie_texts.data or "{}")
    except ValueError:
        return None
    if not isinstance(given, dict):
        return None
    kept: dict[str, dict] = {}
    for lang in LANGUAGES:
        per_cookie = given.get(lang) or {}
        if not isinstance(per_cookie, dict):
            return None
        for cookie in cookies:
            text = per_cookie.get(cookie) or {}
            if not isinstance(text, dict):
                return None
            text = {k: str(text.get(k) or "")[:200] for k in ("purpose", "lifetime")}
            if any(text.values()):
                kept.setdefault(lang, {})[cookie] = text
    return kept


def texts_from(form: ServiceForm, cookie_texts: dict) -> dict:
    """The service's ``texts`` column from the form: only what was filled in."""
    texts: dict[str, dict] = {}
    for lang in LANGUAGES:
        said = {name: form[f"{name}_{lang}"].data.strip() for name in TEXTS
                if (form[f"{name}_{lang}"].data or "").strip()}
        if lang in cookie_texts:
            said["cookies"] = cookie_texts[lang]
        if said:
            texts[lang] = said
    return texts


def _refuse(key: str, field: str, message: str):
    flash(f"{field}: {message}", "error")
    return redirect(url_for("admin.site_detail", key=key))


@bp.post("/sites/<key>/services")
def service_add(key):
    """Declare a service (a tag, a widget), the cookies it sets and its texts per language."""
    site = site_or_404(key)
    form = ServiceForm()
    form.category.choices = category_choices(site)
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            flash(f"{getattr(form, field).label.text}: {' '.join(errors)}", "error")
        return redirect(url_for("admin.site_detail", key=key))
    if any(s.key == form.key.data for s in site.services):
        return _refuse(key, form.key.label.text, _("A service with this key exists."))
    cookies = split_list(form.cookies.data)
    cookie_texts = _cookie_texts(form, cookies)
    if cookie_texts is None:
        return _refuse(key, _("Cookies"), _("The cookies' purposes and lifetimes are not "
                                            "readable: add the service from the catalogue again."))
    texts = texts_from(form, cookie_texts)
    typed = _typed(site, texts)
    if not typed.get("name"):
        name = form[f"name_{site.default_language}"]
        return _refuse(key, f"{name.label.text} ({site.default_language})",
                       _("Name the service in at least one language."))
    service = Service(key=form.key.data, name=typed["name"], provider=typed.get("provider"),
                      category=form.category.data, cookies=cookies,
                      storage_keys=split_list(form.storage_keys.data), texts=texts)
    site.services.append(service)
    db.session.flush()
    audit.record("site.update", site=site, target=site.key, details={"service_added": service.key})
    db.session.commit()
    return redirect(url_for("admin.site_detail", key=key))


def _typed(site: Site, texts: dict) -> dict:
    """The name and provider kept as the last fallback: the default language's, else the first
    language that has them."""
    order = [site.default_language, *LANGUAGES]
    return {name: next((texts[lang][name] for lang in order if texts.get(lang, {}).get(name)),
                       None) for name in ("name", "provider")}


@bp.post("/sites/<key>/services/<int:service_id>/delete")
def service_delete(key, service_id):
    """Remove a service from the site's declaration."""
    site = site_or_404(key)
    form = ActionForm()
    service = next((s for s in site.services if s.id == service_id), None)
    if service is None or not form.validate_on_submit():
        abort(404)
    if service.key in (site_domain.METRIKA_PRESET["key"], site_domain.WEBVISOR_PRESET["key"]):
        # Webvisor runs inside the counter: neither outlives the counter's removal.
        site_domain.remove_webvisor(site)
    if service.key == site_domain.METRIKA_PRESET["key"]:
        site.metrika_counter_id = None
        site.metrika_options = {}
    if service in site.services:
        site.services.remove(service)
    audit.record(
        "site.update", site=site, target=site.key, details={"service_removed": service.key}
    )
    db.session.commit()
    return redirect(url_for("admin.site_detail", key=key))
