"""Policy versions: draft, preview in each language, compare, publish or schedule."""

from __future__ import annotations

import difflib
from datetime import UTC

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts import audit
from ..extensions import db
from ..forms import documents
from ..models import PolicyText, PolicyVersion
from ..models.types import utcnow
from ..sites import policies as policy_domain
from .auth import admin_required, site_or_404
from .blueprint import bp
from .forms import ActionForm, PolicyForm, PublishForm, policy_language_fields


def _version_or_404(site, number: int, kind: str = "cookie") -> PolicyVersion:
    version = db.session.scalar(
        select(PolicyVersion).where(
            PolicyVersion.site_id == site.id,
            PolicyVersion.kind == kind,
            PolicyVersion.number == number,
        )
    )
    if version is None:
        abort(404)
    return version


def previous_version(version: PolicyVersion) -> PolicyVersion | None:
    """The version numbered just before ``version``, of the same kind."""
    return db.session.scalar(
        select(PolicyVersion)
        .where(
            PolicyVersion.site_id == version.site_id,
            PolicyVersion.kind == version.kind,
            PolicyVersion.number < version.number,
        )
        .order_by(PolicyVersion.number.desc())
        .limit(1)
    )


def diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    """``(sign, line)`` pairs, ``+`` added, ``-`` removed, `` `` unchanged (escaped on render)."""
    lines = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        sign, text = line[:1], line[2:]
        if sign in "+- ":
            lines.append((sign, text))
    return lines


def status(version: PolicyVersion) -> str:
    if version.is_imported:
        return "imported"
    if not version.is_published:
        return "draft"
    if version.effective_at > utcnow():
        return "scheduled"
    return "published"


@bp.app_template_global("policy_status")
def _policy_status(version):
    return status(version)


@bp.get("/sites/<key>/policies")
def policy_list(key):
    """Every version of the site's policies, newest first."""
    site = site_or_404(key)
    versions = db.session.scalars(
        select(PolicyVersion)
        .where(PolicyVersion.site_id == site.id)
        .order_by(PolicyVersion.kind, PolicyVersion.number.desc())
    ).all()
    in_force = policy_domain.in_force(site)
    return render_template(
        "admin/policies.html",
        site=site,
        versions=versions,
        in_force=in_force,
        revision=policy_domain.revision_of(site, in_force),
        document_outdated=documents.redraft_needed(site),
        form=ActionForm(),
    )


@bp.post("/sites/<key>/consent-document/renew")
@admin_required
def consent_document_renew(key):
    """Publish the consent document in force anew, in today's wording.

    The version in force keeps its text (consents given to it name it); visitors see the new
    version from now on.
    """
    site = site_or_404(key)
    if not ActionForm().validate_on_submit() or not documents.redraft_needed(site):
        abort(409)
    version = documents.publish_with_current_wording(site)
    audit.record(
        "policy.publish",
        site=site,
        target=f"{documents.KIND} v{version.number}",
        details={"wording": documents.wording_of(version)},
    )
    db.session.commit()
    flash(_("Version %(number)s is published; revision %(revision)s.",
            number=version.number, revision=version.revision))
    return redirect(url_for("admin.policy_list", key=key))


def _form_class(site):
    return policy_language_fields(PolicyForm, site.languages)


def _texts(form, site) -> dict:
    return {
        lang: {
            "title": getattr(form, f"title_{lang}").data or "",
            "body": getattr(form, f"body_{lang}").data,
            "url": getattr(form, f"url_{lang}").data or None,
        }
        for lang in site.languages
    }


def _changes(form, site) -> dict:
    notes = {lang: (getattr(form, f"changes_{lang}").data or "").strip() for lang in site.languages}
    return {lang: note for lang, note in notes.items() if note}


def _fill(form, site, version: PolicyVersion) -> None:
    for lang in site.languages:
        text = version.text_for(lang)
        if text is not None:
            getattr(form, f"title_{lang}").data = text.title
            getattr(form, f"body_{lang}").data = text.body
            getattr(form, f"url_{lang}").data = text.url


@bp.route("/sites/<key>/policies/new", methods=["GET", "POST"])
@admin_required
def policy_new(key):
    """Draft a new cookie policy version, starting from the latest one."""
    site = site_or_404(key)
    form = _form_class(site)()
    if request.method == "GET":
        latest = db.session.scalar(
            select(PolicyVersion)
            .where(PolicyVersion.site_id == site.id, PolicyVersion.kind == "cookie")
            .order_by(PolicyVersion.number.desc())
            .limit(1)
        )
        if latest is not None:
            _fill(form, site, latest)
    if form.validate_on_submit():
        version = policy_domain.draft(
            site,
            _texts(form, site),
            significant=form.significant.data,
            changes=_changes(form, site),
        )
        audit.record("policy.draft", site=site, target=f"cookie v{version.number}")
        db.session.commit()
        return redirect(url_for("admin.policy_detail", key=key, number=version.number))
    return render_template("admin/policy_form.html", site=site, form=form, version=None)


@bp.route("/sites/<key>/policies/<int:number>/edit", methods=["GET", "POST"])
@admin_required
def policy_edit(key, number):
    """Change a draft. A published version can never change."""
    site = site_or_404(key)
    version = _version_or_404(site, number)
    if version.is_published:
        abort(409)
    form = _form_class(site)(obj=version)
    if request.method == "GET":
        _fill(form, site, version)
        for lang, note in (version.changes or {}).items():
            if hasattr(form, f"changes_{lang}"):
                getattr(form, f"changes_{lang}").data = note
    if form.validate_on_submit():
        texts = _texts(form, site)
        version.significant = form.significant.data
        version.changes = _changes(form, site)
        by_language = {t.language: t for t in version.texts}
        for lang, text in texts.items():
            row = by_language.get(lang) or PolicyText(language=lang)
            row.title, row.body, row.url = text["title"], text["body"], text["url"]
            row.sha256 = policy_domain.sha256(text["body"])
            if lang not in by_language:
                version.texts.append(row)
        audit.record(
            "policy.draft", site=site, target=f"cookie v{version.number}", details={"edited": True}
        )
        db.session.commit()
        return redirect(url_for("admin.policy_detail", key=key, number=number))
    return render_template("admin/policy_form.html", site=site, form=form, version=version)


@bp.get("/sites/<key>/policies/<int:number>", defaults={"kind": "cookie"})
@bp.get("/sites/<key>/policies/<kind>/<int:number>")
def policy_detail(key, number, kind):
    """Preview a version in each language, and what changed against the one before."""
    site = site_or_404(key)
    version = _version_or_404(site, number, kind)
    before = previous_version(version)
    diffs = {}
    for text in version.texts:
        old = before.text_for(text.language) if before else None
        if old is not None:
            diffs[text.language] = diff_lines(old.body or "", text.body or "")
    return render_template(
        "admin/policy.html",
        site=site,
        version=version,
        before=before,
        diffs=diffs,
        publish_form=PublishForm(),
        form=ActionForm(),
        current_revision=policy_domain.current_revision(site),
    )


@bp.post("/sites/<key>/policies/<int:number>/publish")
def policy_publish(key, number):
    """Publish a draft now or from a later date; it can never change afterwards."""
    site = site_or_404(key)
    version = _version_or_404(site, number)
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("Enter the date as YYYY-MM-DD HH:MM."), "error")
        return redirect(url_for("admin.policy_detail", key=key, number=number))
    if version.is_published:
        flash(_("This version is already published."), "error")
        return redirect(url_for("admin.policy_detail", key=key, number=number))
    if version.is_imported:
        flash(_("An imported version is history: it can never be in force."), "error")
        return redirect(url_for("admin.policy_detail", key=key, number=number))
    effective_at = form.effective_at.data
    if effective_at is not None:
        effective_at = effective_at.replace(tzinfo=UTC)
        if effective_at < utcnow():
            effective_at = None  # a date in the past means "now": the past cannot be rewritten
    policy_domain.publish(version, effective_at)
    audit.record(
        "policy.publish",
        site=site,
        target=f"cookie v{version.number}",
        details={
            "revision": version.revision,
            "significant": version.significant,
            "effective_at": version.effective_at.isoformat(),
        },
    )
    db.session.commit()
    if status(version) == "scheduled":
        flash(_("Version %(number)s is scheduled.", number=version.number))
    else:
        flash(
            _(
                "Version %(number)s is published; revision %(revision)s.",
                number=version.number,
                revision=policy_domain.revision_of(site, version),
            )
        )
    return redirect(url_for("admin.policy_detail", key=key, number=number))


@bp.post("/sites/<key>/policies/<int:number>/delete")
def policy_delete(key, number):
    """Throw away a draft."""
    site = site_or_404(key)
    version = _version_or_404(site, number)
    if version.is_published or not ActionForm().validate_on_submit():
        abort(409)
    db.session.delete(version)
    audit.record("policy.draft", site=site, target=f"cookie v{number}", details={"deleted": True})
    db.session.commit()
    return redirect(url_for("admin.policy_list", key=key))
