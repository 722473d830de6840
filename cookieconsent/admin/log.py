"""The consent log: filter, page through, and the proof of one consent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts import audit
from ..consents import identity, subjects
from ..consents import proof as proofs
from ..export.events import EventFilter
from ..extensions import db
from ..models import ConsentEvent
from ..sites import wording
from .auth import site_or_404
from .blueprint import bp
from .forms import ActionForm, LogFilterForm

PAGE = 50


def event_filter(site, form: LogFilterForm) -> EventFilter | None:
    """The filter the form describes, or None when it does not validate."""
    if not form.validate():
        return None
    flt = EventFilter(
        start=_day_start(form.start.data),
        end=_day_start(form.end.data + timedelta(days=1)) if form.end.data else None,
        consent_id=form.consent_id.data or None,
        event_type=form.event_type.data or None,
        method=form.method.data or None,
    )
    if form.phone.data or form.email.data or form.account.data:
        try:
            found = subjects.find_by_subject(
                site, form.phone.data or None, form.email.data or None, form.account.data or None
            )
        except identity.InvalidSubject as error:
            getattr(form, error.field).errors = [_("Cannot read this value.")]
            return None
        flt.consent_ids = subjects.consent_ids(found)
    return flt


def _day_start(day):
    return datetime.combine(day, time.min, UTC) if day else None


def page_of(site, flt: EventFilter, before: int | None, after: int | None):
    """One page of the log, newest first, by keyset on the id (fast at any depth)."""
    statement = flt.apply(select(ConsentEvent), site)
    if after is not None:
        rows = db.session.scalars(
            statement.where(ConsentEvent.id > after).order_by(ConsentEvent.id).limit(PAGE + 1)
        ).all()
        more_newer = len(rows) > PAGE
        rows = list(reversed(rows[:PAGE]))
        return rows, more_newer, True
    if before is not None:
        statement = statement.where(ConsentEvent.id < before)
    rows = db.session.scalars(statement.order_by(ConsentEvent.id.desc()).limit(PAGE + 1)).all()
    return rows[:PAGE], before is not None, len(rows) > PAGE


def _int_arg(name):
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/sites/<key>/log")
def log(key):
    """The consent log of a site, filtered and paged."""
    site = site_or_404(key)
    form = LogFilterForm(request.args)
    flt = event_filter(site, form)
    rows, has_newer, has_older = [], False, False
    if flt is not None:
        rows, has_newer, has_older = page_of(site, flt, _int_arg("before"), _int_arg("after"))
    args = {k: v for k, v in request.args.items() if k not in {"before", "after"} and v}
    return render_template(
        "admin/log.html",
        site=site,
        form=form,
        rows=rows,
        newer=url_for("admin.log", key=key, after=rows[0].id, **args)
        if rows and has_newer
        else None,
        older=url_for("admin.log", key=key, before=rows[-1].id, **args)
        if rows and has_older
        else None,
        export_args=args,
    )


@bp.get("/sites/<key>/consents/<consent_id>")
def proof(key, consent_id):
    """Everything that proves one consent, printable for a regulator or a court.

    The page shows the very document "Download as JSON" gives, so the two never differ; a
    GET never signs a checkpoint (the download may).
    """
    site = site_or_404(key)
    events = proofs.events_of(site, consent_id)
    if not events:
        abort(404)
    document = proofs.document(site, events)
    return render_template(
        "admin/proof.html",
        site=site,
        consent_id=consent_id,
        document=document,
        events=[
            {
                "event": event,
                "entry": entry,
                "verdict": proofs.receipt_check(site, event)["verdict"],
            }
            for event, entry in zip(events, document["events"], strict=True)
        ],
        form=ActionForm(),
        wording_labels=wording.LABELS,
    )


@bp.post("/sites/<key>/consents/<consent_id>/proof.json")
def proof_json(key, consent_id):
    """The same proof as a JSON document, to hand over or check offline.

    A POST with the form's CSRF token: the download is recorded in the audit trail and may
    sign a checkpoint, and a GET must change nothing (a link or an image could send one).
    """
    site = site_or_404(key)
    if not ActionForm().validate_on_submit():
        abort(400)
    events = proofs.events_of(site, consent_id)
    if not events:
        abort(404)
    document = proofs.document(site, events, True)
    audit.record("export", site=site, target=consent_id, details={"format": "proof-json"})
    db.session.commit()
    response = jsonify(document)
    response.headers["Content-Disposition"] = f'attachment; filename="proof-{consent_id}.json"'
    return response
