"""Sites: create, edit, signing keys, the embed tag (their services: services.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts import audit
from ..extensions import db
from ..models import CATEGORIES, Site
from ..models.site import DEFAULT_TIME_ZONE
from ..sites import consent_mode, policies
from ..sites import registry as site_domain
from . import labels
from .auth import admin_required, site_or_404
from .blueprint import bp
from .categories import title
from .forms import ActionForm, SiteForm, choices
from .services import service_form, split_list

#: Site columns the form edits directly.
SETTINGS = (
    "name",
    "default_language",
    "consent_lifetime_days",
    "consent_lifetime_months",
    "proof_retention_days",
    "form_retention_days",
    "google_consent_mode",
    "ads_data_redaction",
    "url_passthrough",
    "gpc_refuses_analytics",
    "floating_button",
    "announce_days",
)
METRIKA_OPTIONS = {
    "clickmap": "metrika_clickmap",
    "trackLinks": "metrika_track_links",
    "accurateTrackBounce": "metrika_accurate_bounce",
}

SIGNAL_ERRORS = {
    "line": lambda value: _("Not “category: signal, signal”: %(value)s", value=value),
    "category": lambda value: _("The site has no category %(value)s.", value=value),
    "signal": lambda value: _(
        "Not a Consent Mode v2 signal: %(value)s. The signals are %(names)s.",
        value=value,
        names=", ".join(consent_mode.SIGNALS),
    ),
}


def parse_origins(form: SiteForm) -> list[str] | None:
    """The normalised origins, or None with the error put on the form field."""
    try:
        return sorted({site_domain.normalize_origin(o) for o in split_list(form.origins.data)})
    except ValueError as error:
        form.origins.errors.append(_("Not an http(s) origin: %(value)s", value=str(error)))
        return None


def parse_apps(form: SiteForm) -> list[str] | None:
    """The app ids, or None with the error put on the form field."""
    try:
        return sorted({site_domain.normalize_app(a) for a in split_list(form.apps.data)})
    except ValueError as error:
        form.apps.errors.append(str(error))
        return None


def parse_signals(form: SiteForm, site: Site | None) -> dict | None:
    """The Consent Mode mapping, or None with the error put on the form field."""
    keys = [c.key for c in site.categories] if site else list(CATEGORIES)
    try:
        return consent_mode.parse(form.consent_mode_signals.data, keys)
    except ValueError as error:
        problem, value = error.args
        form.consent_mode_signals.errors.append(SIGNAL_ERRORS[problem](value))
        return None


def _parsed(form: SiteForm, site: Site | None) -> bool:
    return parse_apps(form) is not None and parse_signals(form, site) is not None


def apply_settings(site: Site, form: SiteForm, origins: list[str]) -> dict:
    """Copy the form onto ``site``; returns what changed, for the audit trail."""
    before = _snapshot(site)
    site.apps = parse_apps(form) or []
    for name in SETTINGS:
        setattr(site, name, getattr(form, name).data)
    site.origins = origins
    site.languages = [lang for lang in ("kk", "ru", "en") if lang in form.languages.data]
    site.cookie_domain = (form.cookie_domain.data or "").strip().lstrip(".").lower() or None
    site.cookie_name = (form.cookie_name.data or "").strip() or None
    site.time_zone = form.time_zone.data or DEFAULT_TIME_ZONE
    site.consent_mode_wait_ms = form.consent_mode_wait_ms.data or 0
    # Only what differs from the defaults: a category added later still gets its default.
    site.consent_mode_signals = {
        key: names
        for key, names in (parse_signals(form, site) or {}).items()
        if names != consent_mode.DEFAULT_SIGNALS.get(key, [])
    } or None
    counter = form.metrika_counter_id.data
    if counter:
        webvisor = form.metrika_webvisor.data and form.metrika_webvisor_category.data
        site_domain.add_metrika(site, counter, webvisor=webvisor or None)
        site.metrika_options = site.metrika_options | {
            option: bool(getattr(form, field).data) for option, field in METRIKA_OPTIONS.items()
        }
    else:
        site_domain.remove_webvisor(site)
        site.metrika_counter_id = None
        site.metrika_options = {}
    db.session.flush()
    after = _snapshot(site)
    return {key: [before[key], after[key]] for key in after if before.get(key) != after[key]}


def _snapshot(site: Site) -> dict:
    names = SETTINGS + (
        "origins",
        "apps",
        "languages",
        "cookie_domain",
        "cookie_name",
        "metrika_counter_id",
        "metrika_options",
        "consent_mode_signals",
        "consent_mode_wait_ms",
    )
    return {name: getattr(site, name) for name in names}


def _webvisor_choices(form: SiteForm, site: Site | None) -> None:
    """Webvisor may wait for any category of the site but essential (a new site's: the
    defaults), named in the console's language."""
    if site is None:
        pairs = [(key, labels.CATEGORIES[key]) for key in CATEGORIES if key != "essential"]
    else:
        pairs = [(c.key, title(c)) for c in site.categories if not c.locked]
    form.metrika_webvisor_category.choices = choices(pairs)


def _languages_valid(form: SiteForm) -> bool:
    if form.default_language.data not in (form.languages.data or []):
        form.default_language.errors.append(
            _("The default language must be one of the site's languages.")
        )
        return False
    return True


@bp.route("/sites/new", methods=["GET", "POST"])
@admin_required
def site_new():
    """Create a site."""
    form = SiteForm()
    _webvisor_choices(form, None)
    if request.method == "GET":
        form.languages.data = ["kk", "ru", "en"]
        form.default_language.data = "ru"
        form.consent_mode_signals.data = consent_mode.format_lines(
            {key: consent_mode.DEFAULT_SIGNALS.get(key, []) for key in CATEGORIES}
        )
    if form.validate_on_submit() and _languages_valid(form):
        origins = parse_origins(form)
        if origins is not None and _parsed(form, None):
            try:
                site = site_domain.create_site(
                    form.key.data,
                    form.name.data,
                    origins,
                    form.languages.data,
                    form.default_language.data,
                )
            except ValueError as error:
                form.key.errors.append(str(error))
            else:
                apply_settings(site, form, origins)
                audit.record("site.create", site=site, target=site.key)
                db.session.commit()
                flash(_("Site created. Publish a cookie policy to start collecting consent."))
                return redirect(url_for("admin.site_detail", key=site.key))
    return render_template("admin/site_form.html", form=form, site=None)


@bp.route("/sites/<key>/edit", methods=["GET", "POST"])
@admin_required
def site_edit(key):
    """Edit a site's settings."""
    site = site_or_404(key)
    form = SiteForm(obj=site)
    del form.key
    _webvisor_choices(form, site)
    if request.method == "GET":
        form.origins.data = "\n".join(site.origins)
        form.apps.data = "\n".join(site.apps)
        form.languages.data = list(site.languages)
        for option, field in METRIKA_OPTIONS.items():
            getattr(form, field).data = bool(site.metrika_options.get(option))
        webvisor = site_domain.webvisor_category(site)
        form.metrika_webvisor.data = bool(webvisor)
        form.metrika_webvisor_category.data = webvisor or "analytics"  # when the site has it
        form.consent_mode_signals.data = consent_mode.format_lines(
            consent_mode.signals_by_category(site)
        )
    if form.validate_on_submit() and _languages_valid(form):
        origins = parse_origins(form)
        if origins is not None and _parsed(form, site):
            changes = apply_settings(site, form, origins)
            if changes:
                audit.record("site.update", site=site, target=site.key, details=_jsonable(changes))
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("admin.site_detail", key=site.key))
    return render_template("admin/site_form.html", form=form, site=site)


def _jsonable(changes: dict) -> dict:
    return {key: [str(v) if v is not None else None for v in pair] for key, pair in changes.items()}


@bp.get("/sites/<key>")
def site_detail(key):
    """A site at a glance: settings, services, keys, the embed tag."""
    site = site_or_404(key)
    version = policies.in_force(site)
    form, found = service_form(site, request.args)
    return render_template(
        "admin/site.html",
        site=site,
        version=version,
        revision=policies.revision_of(site, version),
        embed=embed_tags(site),
        service_form=form,
        found=found,
        query=request.args.get("q", ""),
        chosen=request.args.get("service"),
        form=ActionForm(),
    )


def embed_tags(site: Site) -> dict:
    """The tag a site pastes, and its pinned variant with an integrity hash."""
    from ..embed.payload import script_tags, upcoming_tag

    plain, pinned = script_tags(site)
    return {"plain": plain, "pinned": pinned, "upcoming": upcoming_tag(site)}


@bp.post("/sites/<key>/rotate-key")
def site_rotate_key(key):
    """Sign new receipts with a fresh key; earlier receipts keep verifying."""
    site = site_or_404(key)
    if not ActionForm().validate_on_submit():
        abort(400)
    new_key = site_domain.rotate_key(site)
    audit.record("site.rotate_key", site=site, target=site.key, details={"key_id": new_key.id})
    db.session.commit()
    flash(_("The signing key was rotated. Earlier receipts keep verifying."))
    return redirect(url_for("admin.site_detail", key=key))
