"""A site's services: declared by hand or from the catalogue, named in every language, edited."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..accounts import audit
from ..catalogue import services as catalogue
from ..config import LANGUAGES
from ..extensions import db
from ..models import Service, Site
from ..sites import policies
from ..sites import registry as site_domain
from ..sites import services as service_domain
from .auth import admin_required, site_or_404
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


def _form_data(service: dict) -> dict:
    """What the form shows of a service (a catalogue preset, or a declared one's columns)."""
    texts = service["texts"] or {}
    data = {
        "key": service["key"],
        "category": service["category"],
        "cookies": ", ".join(service["cookies"]),
        "storage_keys": ", ".join(service["storage_keys"]),
        "cookie_rows": [
            {"pattern": cookie} | {
                f"{name}_{lang}": ((texts.get(lang) or {}).get("cookies") or {})
                .get(cookie, {}).get(name, "")
                for lang in LANGUAGES for name in ("purpose", "lifetime")
            }
            for cookie in service["cookies"]
        ],
    }
    for lang, said in texts.items():
        for name in TEXTS:
            data[f"{name}_{lang}"] = said.get(name, "")
    return data


def _cookie_texts(form: ServiceForm, cookies: list[str]) -> dict[str, dict]:
    """``{lang: {cookie: {"purpose", "lifetime"}}}`` from the form's rows, for its cookies."""
    kept: dict[str, dict] = {}
    for row in form.cookie_rows:
        cookie = row.pattern.data
        if cookie not in cookies:
            continue
        for lang in LANGUAGES:
            text = {name: (row[f"{name}_{lang}"].data or "").strip()
                    for name in ("purpose", "lifetime")}
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


def _read(site: Site, form: ServiceForm) -> dict | None:
    """The service's columns from a posted form, or None with the errors put on its fields."""
    if not form.validate_on_submit():
        return None
    cookies = split_list(form.cookies.data)
    texts = texts_from(form, _cookie_texts(form, cookies))
    typed = _typed(site, texts)
    if not typed.get("name"):
        form[f"name_{site.default_language}"].errors.append(
            _("Name the service in at least one language."))
        return None
    return {"name": typed["name"], "provider": typed.get("provider"),
            "category": form.category.data, "cookies": cookies,
            "storage_keys": split_list(form.storage_keys.data), "texts": texts}


def errors(form: ServiceForm) -> list[str]:
    """Each error of the form, after the label of its field (and the cookie of its row)."""
    said = []
    for field in form:
        if field.name == "cookie_rows":
            said += [f"{row.pattern.data} · {sub.label.text} ({sub.name[-2:]}): {error}"
                     for row in field for sub in row if sub.errors for error in sub.errors]
        elif field.errors:
            label = field.label.text
            if field.name[-3:-2] == "_" and field.name[-2:] in LANGUAGES:
                label = f"{label} ({field.name[-2:]})"
            said += [f"{label}: {error}" for error in field.errors]
    return said


@bp.post("/sites/<key>/services")
@admin_required
def service_add(key):
    """Declare a service (a tag, a widget), the cookies it sets and its texts per language."""
    site = site_or_404(key)
    form = ServiceForm()
    form.category.choices = category_choices(site)
    values = _read(site, form)
    if values is not None and any(s.key == form.key.data for s in site.services):
        form.key.errors.append(_("A service with this key exists."))
        values = None
    if values is None:
        for error in errors(form):
            flash(error, "error")
        return redirect(url_for("admin.site_detail", key=key))
    service = Service(key=form.key.data, **values)
    site.services.append(service)
    db.session.flush()
    audit.record("site.update", site=site, target=site.key, details={"service_added": service.key})
    db.session.commit()
    return redirect(url_for("admin.site_detail", key=key))


@bp.route("/sites/<key>/services/<int:service_id>", methods=["GET", "POST"])
@admin_required
def service_edit(key, service_id):
    """Correct a service: its words, its category, its storage. A change that puts storage
    under no earlier decision asks every visitor again, once the operator confirmed it."""
    site = site_or_404(key)
    service = _find(site, service_id)
    form = ServiceForm(data=None if request.method == "POST" else _form_data({
        "key": service.key, "category": service.category, "cookies": service.cookies or [],
        "storage_keys": service.storage_keys or [], "texts": service.texts}))
    form.category.choices = category_choices(site)
    form.key.data = service.key  # what consents name: it stays
    values = _read(site, form) if request.method == "POST" else None
    if values is not None:
        # The page shows the site's languages only: the words of another stay for the day the
        # site speaks it again.
        values["texts"] = {lang: said for lang, said in (service.texts or {}).items()
                           if lang not in site.languages} | values["texts"]
        again = service_domain.asks_again(
            service, values["category"], values["cookies"], values["storage_keys"])
        if again and not form.confirm.data:
            form.confirm.errors.append(_(
                "Nothing was saved: another category or a new cookie or localStorage key asks "
                "every visitor again, tick the box to confirm."))
        else:
            service_domain.update(site, service, **values)
            details = {"service_changed": service.key}
            if again:
                details["revision"] = policies.current_revision(site)
            audit.record("site.update", site=site, target=site.key, details=details)
            db.session.commit()
            flash(_("Service %(key)s saved. Every visitor will be asked again.", key=service.key)
                  if again else _("Service %(key)s saved.", key=service.key))
            return redirect(url_for("admin.site_detail", key=key))
    return render_template("admin/service.html", site=site, service=service, service_form=form,
                           revision=policies.current_revision(site))


def _find(site: Site, service_id: int) -> Service:
    """The site's service ``service_id``: another site's is as unknown as none (404)."""
    service = next((s for s in site.services if s.id == service_id), None)
    if service is None:
        abort(404)
    return service


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
    service = _find(site, service_id)
    if not form.validate_on_submit():
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
