"""Streaming the consent log out as CSV or JSON Lines, for the console, the API and the CLI.

Rows are read in batches through a server-side cursor (``yield_per``) and written out as they
come, so an export of a million events never holds more than one batch in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from .extensions import db
from .models import ConsentEvent, PolicyVersion, Site

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
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


def csv_cell(value) -> str:
    """How one value is written in CSV: lists and objects as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def write_csv(rows: Iterable[dict]) -> Iterator[str]:
    """CSV text in chunks: a header, then the rows (RFC 4180 quoting, CRLF line ends)."""
    names = fields()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    pending = 1
    for row in rows:
        writer.writerow([csv_cell(row[name]) for name in names])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def write_jsonl(rows: Iterable[dict]) -> Iterator[str]:
    """One JSON object per line, in chunks."""
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        if len(lines) >= CHUNK_ROWS:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


def stream(site: Site, event_filter: EventFilter, fmt: str) -> Iterator[str]:
    """The export of ``site``'s filtered log in ``fmt`` (``csv`` or ``jsonl``)."""
    if fmt == "csv":
        # The same bytes as write_csv(records(...)), in well under half the time (see there).
        from . import export_csv

        return export_csv.stream(site, event_filter)
    writer = {"csv": write_csv, "jsonl": write_jsonl}[fmt]
    return writer(records(site, event_filter))


def filename(site: Site, fmt: str) -> str:
    from .models.types import utcnow

    return f"consents-{site.key}-{utcnow():%Y%m%dT%H%M%SZ}.{fmt}"
