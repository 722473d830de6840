"""Consent figures for the dashboard, aggregated in SQL (never row by row in Python).

The log is grouped by day and by the attributes the dashboard shows, in one query that the
index ``ix_consent_event_site_created`` narrows to the site and period. The log is
append-only, so once a day has closed its groups never change: they are kept in
:class:`DailyFigure` and a month of a busy site is then read from a few hundred rows. Only the
day still open is counted from the log each time.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import Text, cast, func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import ConsentEvent, DailyFigure, Site
from ..models.types import utcnow

DECISIONS = ("given", "updated")
ACTIONS = ("accept_all", "reject_all", "custom")
#: A day is kept this long after it ended: an event stamped just before midnight may still
#: be committing.
SETTLE = timedelta(hours=1)
#: The columns a day's events are grouped by.
GROUPED = ("kind", "event_type", "action", "language", "method", "choices")
EMPTY_DAY = "-"


@dataclass
class Period:
    start: datetime
    end: datetime

    @property
    def days(self) -> list[date]:
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass
class Figures:
    """Everything the dashboard shows for one site and period."""

    per_day: list[dict]
    total: int
    #: ``(value, decisions, share that granted analytics)``, largest first.
    languages: list[tuple[str, int, float]]
    methods: list[tuple[str, int, float]]
    withdrawals: int = 0
    form_consents: int = 0
    categories: list[dict] = field(default_factory=list)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _day(column):
    """The UTC calendar day of a timestamp, on each engine."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _count(site: Site, start: datetime, end: datetime) -> list[tuple]:
    """``(day, kind, event_type, action, language, method, choices, count)`` from the log."""
    day = _day(ConsentEvent.created_at).label("day")
    # Grouping by the choices' JSON text spares parsing it once per row: a site has only a
    # handful of distinct values, parsed once each below.
    columns = [getattr(ConsentEvent, name) for name in GROUPED[:-1]]
    choices = cast(ConsentEvent.choices, Text).label("choices")
    rows = db.session.execute(
        select(day, *columns, choices, func.count())
        .where(
            ConsentEvent.site_id == site.id,
            ConsentEvent.created_at >= start,
            ConsentEvent.created_at < end,
        )
        .group_by(day, *columns, choices)
    ).all()
    return [(date.fromisoformat(str(row[0])[:10]), *row[1:]) for row in rows]


def _kept(site: Site, days: list[date]) -> list[tuple]:
    """The groups of closed ``days``, counting and keeping the ones not kept yet."""
    kept = db.session.scalars(
        select(DailyFigure).where(
            DailyFigure.site_id == site.id, DailyFigure.day.between(days[0], days[-1])
        )
    ).all()
    have = {figure.day for figure in kept}
    rows = [
        (f.day, *(getattr(f, name) for name in GROUPED), f.count)
        for f in kept
        if f.kind != EMPTY_DAY
    ]
    missing = [day for day in days if day not in have]
    if missing:
        wanted = set(missing)
        fresh = [
            row
            for row in _count(site, _midnight(missing[0]), _midnight(missing[-1] + timedelta(1)))
            if row[0] in wanted
        ]
        _keep(site, wanted, fresh)
        rows += fresh
    return rows


def _keep(site: Site, days: set[date], rows: list[tuple]) -> None:
    site_id = site.id
    figures = [
        DailyFigure(
            site_id=site_id, day=row[0], **dict(zip(GROUPED, row[1:-1], strict=True)), count=row[-1]
        )
        for row in rows
    ]
    empty = days - {row[0] for row in rows}
    figures += [
        DailyFigure(
            site_id=site_id, day=day, count=0, choices="", **dict.fromkeys(GROUPED[:-1], EMPTY_DAY)
        )
        for day in empty
    ]
    db.session.add_all(figures)
    # Kept in a transaction of its own: a page that only reads commits nothing else. Two
    # requests that count the same day at once both succeed; the second one's copy is dropped.
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


@lru_cache(maxsize=256)
def _granted(choices: str) -> frozenset[str]:
    """The categories a decision's choices (their JSON text) grant."""
    try:
        parsed = json.loads(choices)
    except ValueError:
        parsed = {}
    return frozenset(name for name, on in parsed.items() if on)


def figures(site: Site, period: Period, now: datetime | None = None) -> Figures:
    """Aggregate the site's log over ``period`` (whole UTC days)."""
    first_open = ((now or utcnow()) - SETTLE).date()
    closed = [day for day in period.days if day < first_open]
    rows = _kept(site, closed) if closed else []
    if not closed or closed[-1] < period.days[-1]:
        rows += _count(site, max(period.start, _midnight(first_open)), period.end)

    by_day: dict[date, Counter] = {}
    granted: Counter = Counter()
    languages: dict[str, Counter] = {}
    methods: dict[str, Counter] = {}
    total = withdrawals = forms = 0
    for day, kind, event_type, action, language, method, choices, n in rows:
        if event_type == "withdrawn":
            withdrawals += n
        if event_type not in DECISIONS:
            continue
        if kind == "form":
            forms += n
            continue
        allowed = _granted(choices)
        analytics = "analytics" in allowed
        by_day.setdefault(day, Counter())[action] += n
        total += n
        granted.update(dict.fromkeys(allowed, n))
        for table, key in ((languages, language), (methods, method)):
            table.setdefault(key, Counter()).update(n=n, analytics=n * analytics)

    return Figures(
        per_day=[
            {"day": d, **{a: by_day.get(d, Counter())[a] for a in ACTIONS}} for d in period.days
        ],
        total=total,
        languages=_breakdown(languages),
        methods=_breakdown(methods),
        withdrawals=withdrawals,
        form_consents=forms,
        categories=[
            {
                "key": name,
                "granted": granted[name],
                "share": granted[name] / total if total else 0.0,
            }
            # Every optional category the site has now, in banner order.
            for name in (c.key for c in site.categories if not c.locked)
        ],
    )


def _breakdown(table: dict[str, Counter]) -> list[tuple[str, int, float]]:
    rows = [(key, c["n"], c["analytics"] / c["n"] if c["n"] else 0.0) for key, c in table.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0]))
