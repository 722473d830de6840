"""The audit trail filtered, as the console shows it and as CSV or JSON Lines.

The console page, its downloads and ``flask audit export`` all build one :class:`AuditFilter`,
so a download holds exactly the entries the page lists for the same filter.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from ..errors import APIError
from ..extensions import db
from ..models import AuditEntry
from .audit import ACTIONS

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
#: The columns of a download; the seal and the chain let a reader check it against the trail.
COLUMNS = ("id", "created_at", "actor", "action", "site", "target", "details", "previous_id",
           "seal_key", "seal")
BATCH = 1000


@dataclass
class AuditFilter:
    site: str | None = None
    #: Part of the actor's name: an e-mail, ``cli:`` and a user name, ``token:NAME``.
    actor: str | None = None
    action: str | None = None
    #: First and last day, both included, in UTC.
    start: date | None = None
    end: date | None = None
    #: The site keys the reader may see; None for every site (admins and the shell).
    visible: list[str] | None = None
    #: The newest entry a download covers: the trail as it was when the page was asked for.
    until_id: int | None = None

    def apply(self, statement):
        if self.visible is not None:
            statement = statement.where(AuditEntry.site_key.in_(self.visible or [""]))
        if self.site:
            statement = statement.where(AuditEntry.site_key == self.site)
        if self.actor:
            statement = statement.where(AuditEntry.actor.contains(self.actor, autoescape=True))
        if self.action:
            statement = statement.where(AuditEntry.action == self.action)
        if self.start:
            statement = statement.where(AuditEntry.created_at >= _midnight(self.start))
        if self.end:
            statement = statement.where(
                AuditEntry.created_at < _midnight(self.end + timedelta(days=1))
            )
        if self.until_id is not None:
            statement = statement.where(AuditEntry.id <= self.until_id)
        return statement

    def described(self) -> dict:
        """The filter as the export's own audit entry records it."""
        return {
            name: str(value)
            for name, value in (("site", self.site), ("actor", self.actor),
                                ("action", self.action), ("from", self.start),
                                ("to", self.end), ("until_id", self.until_id))
            if value
        }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def parse(args: Mapping[str, str], visible: list[str] | None = None) -> AuditFilter:
    """The filter of a query string (``site``, ``actor``, ``action``, ``from``, ``to``).

    Raises a 400 :class:`APIError` naming each field that cannot be read.
    """
    errors = {}
    action = args.get("action") or None
    if action is not None and action not in ACTIONS:
        errors["action"] = "Not an action the trail records."
    days = {}
    for name in ("from", "to"):
        value = args.get(name) or None
        try:
            days[name] = date.fromisoformat(value) if value else None
        except ValueError:
            errors[name] = "Use a date as YYYY-MM-DD."
    if not errors and days["from"] and days["to"] and days["from"] > days["to"]:
        errors["to"] = "The last day comes before the first."
    until = args.get("until_id") or None
    if until is not None and not until.isdigit():
        errors["until_id"] = "Use an entry number."
    if errors:
        raise APIError(400, "The filter cannot be read.", errors)
    return AuditFilter(
        site=(args.get("site") or "").strip() or None,
        actor=(args.get("actor") or "").strip() or None,
        action=action,
        start=days["from"],
        end=days["to"],
        visible=visible,
        until_id=int(until) if until else None,
    )


def newest_id() -> int | None:
    return db.session.scalar(select(func.max(AuditEntry.id)))


def entries(flt: AuditFilter) -> Iterator[AuditEntry]:
    """The matching entries, oldest first, read in batches by id."""
    after = 0
    while True:
        batch = db.session.scalars(
            flt.apply(select(AuditEntry))
            .where(AuditEntry.id > after)
            .order_by(AuditEntry.id)
            .limit(BATCH)
        ).all()
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].id


def as_dict(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "created_at": entry.created_at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "site": entry.site_key,
        "target": entry.target,
        "details": entry.details,
        "previous_id": entry.previous_id,
        "seal_key": entry.seal_key,
        "seal": entry.seal,
    }


def stream(flt: AuditFilter, fmt: str) -> Iterator[str]:
    """The download, a piece per entry (CSV begins with its header)."""
    if fmt == "jsonl":
        for entry in entries(flt):
            yield json.dumps(as_dict(entry), ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def row(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield row(COLUMNS)
    for entry in entries(flt):
        data = as_dict(entry)
        data["details"] = json.dumps(data["details"], ensure_ascii=False, sort_keys=True)
        yield row("" if data[name] is None else data[name] for name in COLUMNS)
