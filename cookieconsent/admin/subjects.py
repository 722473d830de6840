"""Requests from data subjects: find what is held, hand it over, withdraw, erase."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..accounts import audit
from ..consents import proof as proofs
from ..consents import subjects as subject_domain
from ..extensions import db
from ..models import ConsentEvent
from ..models.types import utcnow
from .auth import site_or_404
from .blueprint import bp
from .forms import ActionForm, SubjectForm


def held_about(site, form: SubjectForm) -> list[ConsentEvent] | None:
    """Every event of the consents found by id, phone or e-mail; None if nothing was asked."""
    if not form.validate() or not (form.consent_id.data or form.phone.data or form.email.data):
        return None
    ids: list[str] = []
    if form.consent_id.data:
        ids.append(form.consent_id.data)
    if form.phone.data or form.email.data:
        try:
            found = subject_domain.find_by_subject(
                site, form.phone.data or None, form.email.data or None
            )
        except subject_domain.InvalidSubject as error:
            getattr(form, error.field).errors = [_("Cannot read this value.")]
            return None
        ids += subject_domain.consent_ids(found)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.site_id == site.id, ConsentEvent.consent_id.in_(ids))
            .order_by(ConsentEvent.consent_id, ConsentEvent.id)
        )
    )


@bp.get("/sites/<key>/subjects")
def subject_search(key):
    """Find everything held about a subject."""
    site = site_or_404(key)
    form = SubjectForm(request.args)
    events = held_about(site, form)
    grouped: dict[str, list[ConsentEvent]] = {}
    for event in events or []:
        grouped.setdefault(event.consent_id, []).append(event)
    return render_template(
        "admin/subjects.html",
        site=site,
        form=form,
        searched=events is not None,
        grouped=grouped,
    )


@bp.get("/sites/<key>/subjects/export.json")
def subject_export(key):
    """An access request: everything held about the subject, as a JSON document for them."""
    from ..export.events import plain

    site = site_or_404(key)
    form = SubjectForm(request.args)
    events = held_about(site, form)
    if events is None:
        abort(400)
    document = {
        "site": {"key": site.key, "name": site.name},
        "generated_at": utcnow().isoformat(),
        "consents": {},
    }
    for event in events:
        row = {
            c.name: plain(getattr(event, c.name))
            for c in ConsentEvent.__table__.columns
            if c.name not in {"id", "site_id", "policy_version_id"}
        }
        shown = proofs.text_shown(event)
        row["policy_version"] = event.policy_version.number if event.policy_version else None
        row["policy_text"] = shown.text.body if shown.text else None
        document["consents"].setdefault(event.consent_id, []).append(row)
    audit.record(
        "subject.access",
        site=site,
        target=_target(site, form),
        details={"consents": len(document["consents"])},
    )
    db.session.commit()
    response = jsonify(document)
    response.headers["Content-Disposition"] = 'attachment; filename="personal-data.json"'
    return response


def _target(site, form: SubjectForm) -> str:
    # Never the phone or e-mail in clear: the trail would become personal data itself.
    if form.consent_id.data:
        return form.consent_id.data
    hashes = subject_domain.subject_hashes(site, form.phone.data or None, form.email.data or None)
    return "subject:" + ",".join(h[:12] for h in hashes)


@bp.post("/sites/<key>/consents/<consent_id>/withdraw")
def consent_withdraw(key, consent_id):
    """Withdraw one consent on the subject's request."""
    site = site_or_404(key)
    if not ActionForm().validate_on_submit():
        abort(400)
    event = subject_domain.withdraw_by_operator(site, consent_id)
    if event is None:
        flash(_(
            "Nothing to withdraw: the consent is already withdrawn or its personal data erased."
        ), "error")
    else:
        audit.record("consent.withdraw", site=site, target=consent_id)
        db.session.commit()
        flash(_("The consent is withdrawn."))
    return redirect(_back(key, consent_id))


@bp.post("/sites/<key>/consents/<consent_id>/erase")
def consent_erase(key, consent_id):
    """Erase the personal data of every event of one consent; the record of it stays."""
    site = site_or_404(key)
    if not ActionForm().validate_on_submit():
        abort(400)
    events = proofs.events_of(site, consent_id)
    if not events:
        abort(404)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm the erasure."), "error")
        return redirect(_back(key, consent_id))
    erased = subject_domain.erase_events(site, events)
    audit.record("consent.erase", site=site, target=consent_id, details={"events": erased})
    db.session.commit()
    flash(
        ngettext(
            "Personal data erased from %(num)d event; the record of the consent stays.",
            "Personal data erased from %(num)d events; the record of the consent stays.",
            erased,
        )
    )
    return redirect(_back(key, consent_id))


def _back(key: str, consent_id: str) -> str:
    target = request.form.get("next", "")
    if target.startswith("/admin/") and not target.startswith("//"):
        return target
    return url_for("admin.proof", key=key, consent_id=consent_id)
