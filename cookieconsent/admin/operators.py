"""Operators, API tokens, the audit trail and the retention runs."""

from __future__ import annotations

from types import SimpleNamespace

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..accounts import audit, auditlog, users
from ..consents import retention
from ..extensions import db
from ..ledger import trail
from ..models import ApiToken, AuditEntry, Operator, Site
from . import sessions
from .auth import admin_required
from .blueprint import bp
from .forms import ActionForm, OperatorEditForm, OperatorForm, TokenForm, choices

AUDIT_PAGE = 100


def _site_choices():
    sites = db.session.scalars(select(Site).order_by(Site.key))
    return choices((s.id, f"{s.key} — {s.name}") for s in sites)


@bp.route("/operators", methods=["GET", "POST"])
@admin_required
def operator_list():
    """Operators and their roles; add one."""
    form = OperatorForm()
    form.sites.choices = _site_choices()
    if form.validate_on_submit() and _password_allowed(form.password):
        chosen = [db.session.get(Site, i) for i in form.sites.data or []]
        try:
            operator = users.create_operator(
                form.email.data, form.password.data, form.role.data, [s for s in chosen if s]
            )
        except ValueError as error:
            form.email.errors.append(str(error))
        else:
            audit.record(
                "operator.create",
                target=operator.email,
                details={"role": operator.role, "sites": [s.key for s in operator.sites]},
            )
            db.session.commit()
            flash(_("Operator %(email)s added.", email=operator.email))
            return redirect(url_for("admin.operator_list"))
    operators = db.session.scalars(select(Operator).order_by(Operator.email)).all()
    return render_template("admin/operators.html", operators=operators, form=form)


@bp.route("/operators/<int:operator_id>", methods=["GET", "POST"])
@admin_required
def operator_edit(operator_id):
    """Change an operator's role, sites or password."""
    operator = db.session.get(Operator, operator_id)
    if operator is None:
        abort(404)
    form = OperatorEditForm(obj=operator)
    form.sites.choices = _site_choices()
    if request.method == "GET":
        form.sites.data = [s.id for s in operator.sites]
    if form.validate_on_submit() and (not form.password.data or _password_allowed(form.password)):
        if operator.id == g.operator.id and form.role.data != "admin":
            form.role.errors.append(_("You cannot take the admin role from yourself."))
        else:
            chosen = [s for s in (db.session.get(Site, i) for i in form.sites.data or []) if s]
            if operator.role != form.role.data or set(operator.sites) != set(chosen):
                # What the operator may do changed: their sessions start again from a login.
                users.end_sessions(operator)
            operator.role = form.role.data
            operator.sites = chosen
            details = {"role": operator.role, "sites": [s.key for s in operator.sites]}
            if form.password.data:
                users.set_password(operator, form.password.data)
                details["password"] = "changed"
            audit.record("operator.update", target=operator.email, details=details)
            db.session.commit()
            if operator.id == g.operator.id:
                # Keep the admin who changed their own password logged in, here only.
                sessions.start(operator)
            flash(_("Saved."))
            return redirect(url_for("admin.operator_list"))
    return render_template("admin/operator_edit.html", form=form, subject=operator)


@bp.post("/operators/<int:operator_id>/toggle")
def operator_toggle(operator_id):
    """Switch an operator off (or on again); an admin cannot switch themselves off."""
    operator = db.session.get(Operator, operator_id)
    if operator is None or not ActionForm().validate_on_submit():
        abort(404)
    if operator.id == g.operator.id:
        flash(_("You cannot switch off your own account."), "error")
        return redirect(url_for("admin.operator_list"))
    operator.active = not operator.active
    users.end_sessions(operator)
    audit.record("operator.update", target=operator.email, details={"active": operator.active})
    db.session.commit()
    return redirect(url_for("admin.operator_list"))


def _password_allowed(field) -> bool:
    try:
        users.check_password(field.data)
    except ValueError as error:
        field.errors.append(str(error))
        return False
    return True


@bp.route("/tokens", methods=["GET", "POST"])
@admin_required
def token_list():
    """Bearer tokens for the export API; a new token is shown once."""
    form = TokenForm()
    form.site.choices = choices([(0, _("Every site"))]) + _site_choices()
    created = None
    if form.validate_on_submit():
        site = db.session.get(Site, form.site.data) if form.site.data else None
        record, created = users.create_token(form.name.data, site, g.operator)
        audit.record("token.create", site=site, target=f"{record.name} ({record.prefix}…)")
        db.session.commit()
        form = TokenForm(formdata=None)
        form.site.choices = choices([(0, _("Every site"))]) + _site_choices()
    tokens = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all()
    return render_template("admin/tokens.html", tokens=tokens, form=form, created=created)


@bp.post("/tokens/<int:token_id>/revoke")
def token_revoke(token_id):
    """Revoke a token at once."""
    record = db.session.get(ApiToken, token_id)
    if record is None or not ActionForm().validate_on_submit():
        abort(404)
    users.revoke_token(record)
    audit.record("token.revoke", site=record.site, target=f"{record.name} ({record.prefix}…)")
    db.session.commit()
    flash(_("Token revoked."))
    return redirect(url_for("admin.token_list"))


def _audit_filter(args) -> auditlog.AuditFilter:
    """The filter of the query string; a viewer's is held to their own sites, as the page is."""
    visible = None if g.operator.is_admin else [s.key for s in g.operator.sites]
    return auditlog.parse(args, visible)


@bp.get("/audit")
def audit_trail():
    """Who did what, when: newest first, by site, actor, action and period."""
    flt = _audit_filter(request.args)
    statement = flt.apply(select(AuditEntry))
    before = request.args.get("before", "")
    if before.isdigit():
        statement = statement.where(AuditEntry.id < int(before))
    entries = db.session.scalars(
        statement.order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE + 1)
    ).all()
    filters = {k: v for k, v in request.args.items() if k not in {"before", "until_id"} and v}
    older = None
    if len(entries) > AUDIT_PAGE:
        entries = entries[:AUDIT_PAGE]
        older = url_for("admin.audit_trail", before=entries[-1].id, **filters)
    return render_template(
        "admin/audit.html",
        entries=entries,
        actions=audit.ACTIONS,
        older=older,
        filters=filters,
        # The downloads stop at the newest entry of this page's moment, so they hold what the
        # filter showed here, not the entries written since (their own "export" among them).
        until_id=auditlog.newest_id(),
        seals=trail.verify(),
    )


@bp.get("/audit/export.<fmt>")
def audit_export(fmt):
    """The filtered trail as CSV or JSON Lines, oldest first; the download is itself audited."""
    if fmt not in auditlog.FORMATS:
        abort(404)
    flt = _audit_filter(request.args)
    if flt.until_id is None:
        flt.until_id = auditlog.newest_id() or 0
    site = None
    if flt.site and (flt.visible is None or flt.site in flt.visible):
        site = db.session.scalar(select(Site).where(Site.key == flt.site))
    audit.record("export", site=site, target=f"audit.{fmt}", details=flt.described())
    # Commit before streaming: the body is written after this view returns.
    db.session.commit()
    response = Response(stream_with_context(auditlog.stream(flt, fmt)),
                        mimetype=auditlog.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="audit.{fmt}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/retention")
def retention_runs():
    """The purge runs: when, how many proofs each erased, whether it failed.

    A viewer sees the figures of their own sites only: what a run erased elsewhere, and its
    error text (which may name any site), are not theirs to know.
    """
    runs = retention.recent_runs(50)
    if not g.operator.is_admin:
        runs = [_run_seen_by(run, {s.key for s in g.operator.sites}) for run in runs]
    return render_template("admin/retention.html", runs=runs, form=ActionForm())


def _run_seen_by(run, keys: set[str]) -> SimpleNamespace:
    by_site = {key: counts for key, counts in run.by_site.items() if key in keys}
    return SimpleNamespace(
        id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        trigger=run.trigger,
        status=run.status,
        error=None,
        by_site=by_site,
        erased_cookie=sum(c.get("cookie", 0) for c in by_site.values()),
        erased_form=sum(c.get("form", 0) for c in by_site.values()),
    )


@bp.post("/retention/purge")
def retention_purge():
    """Run the purge now (it also runs from cron: ``flask purge``)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    run = retention.purge(trigger="console")
    flash(
        ngettext(
            "Purge finished: %(num)d proof erased.",
            "Purge finished: %(num)d proofs erased.",
            run.erased_cookie + run.erased_form,
        )
    )
    return redirect(url_for("admin.retention_runs"))
