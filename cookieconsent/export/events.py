"""Streaming the consent log out as CSV or JSON Lines, for the console, the API and the CLI.

Both are written out as they are read, so an export of a million events never holds more
than one batch in memory. JSON Lines are made here from rows read in batches through a
server-side cursor (``yield_per``); the CSV is written by the database (``export_csv``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import ConsentEvent, PolicyVersion, Site

BATCH = 1000
#: Rows written to the response per chunk: fewer, larger chunks are cheaper to send.
CHUNK_ROWS = 200
#: Internal row ids are replaced by what an operator recognises.
_RENAMED = {"site_id": "site", "policy_version_id": "policy_version"}


@dataclass
class EventFilter:
    """What the log view, the export API and the CLI may narrow the log by."""

    start: datetime | None = None
    end: datetime | None = None
    consent_id: str | None = None
    event_type: str | None = None
    method: str | None = None
    kind: str | None = None
    #: Consent ids found for a data subject; an empty list matches nothing.
    consent_ids: list[str] | None = None
    #: Record numbers (the events' ids); an empty list matches nothing.
    ids: list[int] | None = None

    def apply(self, statement: Select, site: Site) -> Select:
        """Narrow ``statement`` (over ConsentEvent) to this filter and ``site``."""
        statement = statement.where(ConsentEvent.site_id == site.id)
        if self.start is not None:
            statement = statement.where(ConsentEvent.created_at >= self.start)
        if self.end is not None:
            statement = statement.where(ConsentEvent.created_at < self.end)
        if self.consent_id:
            statement = statement.where(ConsentEvent.consent_id == self.consent_id)
        if self.event_type:
            statement = statement.where(ConsentEvent.event_type == self.event_type)
        if self.method:
            statement = statement.where(ConsentEvent.method == self.method)
        if self.kind:
            statement = statement.where(ConsentEvent.kind == self.kind)
        if self.consent_ids is not None:
            statement = statement.where(ConsentEvent.consent_id.in_(self.consent_ids or [""]))
        if self.ids is not None:
            statement = statement.where(ConsentEvent.id.in_(self.ids or [0]))
        return statement


def fields() -> list[str]:
    """The exported columns: every column of the log, in table order."""
    return [_RENAMED.get(c.name, c.name) for c in ConsentEvent.__table__.columns]


def count(site: Site, event_filter: EventFilter) -> int:
    statement = event_filter.apply(select(func.count()).select_from(ConsentEvent), site)
    return db.session.scalar(statement) or 0


def records(site: Site, event_filter: EventFilter, batch: int = BATCH) -> Iterator[dict]:
    """Each event as a plain dict (JSON types only), oldest first, read ``batch`` at a time."""
    columns = [c for c in ConsentEvent.__table__.columns if c.name not in _RENAMED]
    statement = event_filter.apply(
        select(*columns, ConsentEvent.site_id, PolicyVersion.number.label("policy_version"))
        .outerjoin(PolicyVersion, PolicyVersion.id == ConsentEvent.policy_version_id)
        .order_by(ConsentEvent.id),
        site,
    ).execution_options(yield_per=batch)
    names = fields()
    for row in db.session.execute(statement):
        values = row._mapping
        yield {name: site.key if name == "site" else plain(values[name]) for name in names}


def plain(value):
    """A value as JSON can hold it: timestamps in ISO 8601."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value
