"""Column types shared by the models."""

import calendar
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The server's clock, in UTC: the only time the server ever stores."""
    return datetime.now(UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus ``months`` by the calendar, as the law counts a term in months.

    The day stays the same (36 months from 2026-03-31 end on 2029-03-31); a day the target
    month lacks becomes its last day (one month from 2026-01-31 ends on 2026-02-28).
    """
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def term_end(start: datetime, *, months: int | None = None, days: int | None = None) -> datetime:
    """The end of a term given in months (by the calendar) or else in days."""
    return add_months(start, months) if months else start + timedelta(days=days or 0)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every engine (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use UTC-aware datetimes")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
