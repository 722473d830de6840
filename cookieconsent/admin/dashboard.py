"""The dashboard: decisions per day, consent rates, languages and methods."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import render_template, request
from flask_babel import gettext as _

from ..models.types import utcnow
from ..scanner import runs as scans
from . import charts, stats
from .auth import site_or_404
from .blueprint import bp
from .categories import title
from .labels import language_label, method_label

DEFAULT_DAYS = 30
MAX_DAYS = 366


def parse_period(args) -> tuple[stats.Period, dict]:
    """The period from ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (inclusive), default 30 days."""
    errors = {}
    today = utcnow().date()

    def day(name, default):
        value = args.get(name)
        if not value:
            return default
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
            return default

    last = day("to", today)
    first = day("from", last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
    start = datetime.combine(first, time.min, UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, UTC)
    return stats.Period(start, end), errors


@bp.get("/sites/<key>/dashboard")
def dashboard(key):
    """Consent figures for one site and period."""
    site = site_or_404(key)
    period, errors = parse_period(request.args)
    data = stats.figures(site, period)
    titles = {c.key: title(c) for c in site.categories}
    return render_template(
        "admin/dashboard.html",
        site=site,
        scan=scans.latest(site),
        period=period,
        first=period.start.date(),
        last=(period.end - timedelta(days=1)).date(),
        errors=errors,
        days=data.per_day,
        share={"total": data.total, "categories": data.categories},
        withdrawals=data.withdrawals,
        forms=data.form_consents,
        per_day=charts.stacked_days(data.per_day, stats.ACTIONS),
        categories=charts.share_bars(
            [(titles[c["key"]], c["share"], str(c["granted"])) for c in data.categories]
        ),
        languages=charts.count_bars(
            [(language_label(v), n, f"{n}") for v, n, _a in data.languages]
        ),
        methods=charts.count_bars([(method_label(v), n, f"{n}") for v, n, _a in data.methods]),
        language_rows=data.languages,
        method_rows=data.methods,
    )
