"""The export in each format: CSV written by the database, or JSON Lines written here."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import closing

from ..models import Site
from ..models.types import utcnow
from . import csv_sql, events

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def write_jsonl(rows: Iterable[dict]) -> Iterator[tuple[str, int]]:
    """One JSON object per line, in chunks, each with its number of lines."""
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        if len(lines) >= events.CHUNK_ROWS:
            yield "\n".join(lines) + "\n", len(lines)
            lines = []
    if lines:
        yield "\n".join(lines) + "\n", len(lines)


def chunks(site: Site, event_filter: events.EventFilter, fmt: str) -> Iterator[tuple[str, int]]:
    """The export of ``site``'s filtered log in ``fmt``, as pieces of text with the number of
    events each holds (the CLI's progress bar counts them)."""
    if fmt == "csv":
        return csv_sql.chunks(site, event_filter)
    return write_jsonl(events.records(site, event_filter))


def stream(site: Site, event_filter: events.EventFilter, fmt: str) -> Iterator[str]:
    """The export of ``site``'s filtered log in ``fmt`` (``csv`` or ``jsonl``), in chunks."""
    # Closed with the response, even half read: a CSV export holds a query open until then.
    with closing(chunks(site, event_filter, fmt)) as pieces:
        for text, _ in pieces:
            yield text


def attachment(site: Site, fmt: str) -> str:
    """The Content-Disposition of a download of the export."""
    return f'attachment; filename="consents-{site.key}-{utcnow():%Y%m%dT%H%M%SZ}.{fmt}"'

