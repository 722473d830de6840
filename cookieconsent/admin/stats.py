"""Consent figures for the dashboard, aggregated in SQL (never row by row in Python).

Every query filters on ``(site_id, created_at)``, which the index
``ix_consent_event_site_created`` covers, and groups in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import ConsentEvent, Site

DECISIONS = ("given", "updated")
ACTIONS = ("accept_all", "reject_all", "custom")
SHARED_CATEGORIES = ("functional", "analytics")


@dataclass
class Period:
    start: datetime
    end: datetime

    @property
    def days(self) -> list[date]:
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _day(column):
    """The UTC calendar day of a timestamp, on each engine."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _decisions(site: Site, period: Period):
    return (
        ConsentEvent.site_id == site.id,
        ConsentEvent.created_at >= period.start,
        ConsentEvent.created_at < period.end,
        ConsentEvent.kind == "cookie",
        ConsentEvent.event_type.in_(DECISIONS),
    )


def per_day(site: Site, period: Period) -> list[dict]:
    """Decisions per day and action, with every day of the period present."""
    day = _day(ConsentEvent.created_at).label("day")
    rows = db.session.execute(
        select(day, ConsentEvent.action, func.count())
        .where(*_decisions(site, period))
        .group_by(day, ConsentEvent.action)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for when, action, n in rows:
        counts.setdefault(str(when)[:10], {})[action] = n
    return [
        {"day": d, **{a: counts.get(d.isoformat(), {}).get(a, 0) for a in ACTIONS}}
        for d in period.days
    ]


def category_share(site: Site, period: Period) -> dict:
    """How many decisions there were and how many granted each optional category."""
    granted = [
        func.coalesce(
            func.sum(case((ConsentEvent.choices[name].as_boolean(), 1), else_=0)), 0
        ).label(name)
        for name in SHARED_CATEGORIES
    ]
    row = db.session.execute(
        select(func.count().label("total"), *granted).where(*_decisions(site, period))
    ).one()
    total = row.total or 0
    return {
        "total": total,
        "categories": [
            {
                "key": name,
                "granted": getattr(row, name) or 0,
                "share": (getattr(row, name) or 0) / total if total else 0.0,
            }
            for name in SHARED_CATEGORIES
        ],
    }


def breakdown(site: Site, period: Period, column) -> list[tuple[str, int, float]]:
    """Decisions grouped by ``column`` (language, method): ``(value, count, analytics share)``."""
    analytics = func.sum(case((ConsentEvent.choices["analytics"].as_boolean(), 1), else_=0))
    rows = db.session.execute(
        select(column, func.count(), analytics)
        .where(*_decisions(site, period))
        .group_by(column)
        .order_by(func.count().desc())
    ).all()
    return [(value, n, (granted or 0) / n if n else 0.0) for value, n, granted in rows]


def withdrawals(site: Site, period: Period) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                ConsentEvent.site_id == site.id,
                ConsentEvent.created_at >= period.start,
                ConsentEvent.created_at < period.end,
                ConsentEvent.event_type == "withdrawn",
            )
        )
        or 0
    )


def form_consents(site: Site, period: Period) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                ConsentEvent.site_id == site.id,
                ConsentEvent.created_at >= period.start,
                ConsentEvent.created_at < period.end,
                ConsentEvent.kind == "form",
                ConsentEvent.event_type.in_(DECISIONS),
            )
        )
        or 0
    )
