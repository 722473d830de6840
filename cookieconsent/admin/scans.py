"""The Scan page of a site: stored scan reports, running one, declaring what it suggests."""

from __future__ import annotations

import json

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..commandline import public_url
from ..extensions import db
from ..models import ScanReport
from ..scanner import report as reports
from ..scanner import runs, wording
from ..scanner.browser import Limits, ScannerUnavailable
from .auth import site_or_404
from .blueprint import bp

#: Reports listed on the page, newest first.
LISTED = 20
#: A scan started from the console stays small: the CLI (cron) runs the long ones.
CONSOLE_LIMITS = Limits(pages=10, page_seconds=15, scan_seconds=120)


def _report_or_404(site, report_id: int) -> ScanReport:
    row = db.session.get(ScanReport, report_id)
    if row is None or row.site_id != site.id:
        abort(404)
    return row


@bp.get("/sites/<key>/scans")
def scans(key):
    site = site_or_404(key)
    rows = db.session.scalars(
        select(ScanReport).where(ScanReport.site_id == site.id)
        .order_by(ScanReport.id.desc()).limit(LISTED)
    ).all()
    total = db.session.scalar(select(func.count()).where(ScanReport.site_id == site.id))
    chosen = rows[0] if rows else None
    if request.args.get("report", type=int):
        chosen = _report_or_404(site, request.args.get("report", type=int))
    return render_template("admin/scans.html", site=site, rows=rows, total=total, scan=chosen,
                           **_wording())


@bp.get("/sites/<key>/scans/<int:report_id>/print")
def scan_print(key, report_id):
    site = site_or_404(key)
    return render_template("admin/scan_print.html", site=site,
                           scan=_report_or_404(site, report_id), **_wording())


@bp.get("/sites/<key>/scans/<int:report_id>.json")
def scan_json(key, report_id):
    site = site_or_404(key)
    row = _report_or_404(site, report_id)
    body = {"id": row.id, "started_at": row.started_at.isoformat(),
            "finished_at": row.finished_at.isoformat(), "actor": row.actor} | row.report
    for found in body["findings"]:
        found["message"] = wording.describe(found)
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="scan-{site.key}-{row.id}.json"'},
    )


@bp.post("/sites/<key>/scans")
def scan_run(key):
    site = site_or_404(key)
    try:
        row = runs.run(site, actor=g.operator.email, server_origin=public_url(),
                       limits=CONSOLE_LIMITS)
    except runs.ScanRefused as error:
        flash(error.message, "error")
        return redirect(url_for("admin.scans", key=site.key))
    except ScannerUnavailable as error:
        flash(str(error), "error")
        return redirect(url_for("admin.scans", key=site.key))
    flash(_("Scan finished: %(violations)s violations, %(findings)s findings.",
            violations=row.violations, findings=row.findings))
    return redirect(url_for("admin.scans", key=site.key, report=row.id))


@bp.post("/sites/<key>/scans/<int:report_id>/apply")
def scan_apply(key, report_id):
    """Declare the suggestions the operator ticked (each is a checkbox named by its key)."""
    site = site_or_404(key)
    row = _report_or_404(site, report_id)
    wanted = set(request.form.getlist("service"))
    chosen = [s for s in row.report.get("suggestions", []) if s["key"] in wanted]
    if not chosen:
        flash(_("Tick at least one service to declare."), "error")
        return redirect(url_for("admin.scans", key=site.key, report=row.id))
    changed = runs.apply(site, chosen)
    db.session.commit()
    flash(_("Declared %(count)s services: %(names)s.", count=len(changed),
            names=", ".join(s.name for s in changed)))
    return redirect(url_for("admin.site_detail", key=site.key))


def _wording() -> dict:
    return {"describe": wording.describe, "source_of": wording.source,
            "pass_label": lambda v: wording.label(wording.PASSES, v),
            "severity_label": lambda v: wording.label(wording.SEVERITIES, v),
            "status_label": lambda v: wording.label(wording.STATUSES, v),
            "violation": reports.VIOLATION}
