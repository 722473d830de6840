"""The CSV export, written by the database itself.

Writing this CSV in Python costs 3 to 6 times the database's own dump of the same rows: per
row, fetching 26 cells through the DB-API alone is about the whole dump, and the ``csv``
module writing them is three times that. So the database writes it. PostgreSQL's ``COPY
(SELECT ...) TO STDOUT WITH (FORMAT csv)`` is read block by block; SQLite builds each line in
SQL (``printf``), so that Python fetches finished lines instead of cells. Either runs in the
request's transaction and streams, ``events.CHUNK_ROWS`` rows at a time.

The format is the same, byte for byte, on both engines (``tests/test_export_csv.py`` holds a
reference written with Python's ``csv`` module, and the exact bytes of awkward rows):

- a header row of ``events.fields()``, then one line per event, oldest first; CRLF line ends;
- a cell is quoted only when it holds a comma, a double quote, CR or LF, and double quotes in
  it are doubled (RFC 4180, as ``csv.QUOTE_MINIMAL`` writes); NULL and empty text are empty;
- booleans are ``true`` or ``false``; timestamps are written as ``datetime.isoformat()``
  writes a UTC time: ``2026-01-01T09:05:03.250000+00:00``, no fraction on a whole second;
- lists and objects (``choices``, ``services``, ``subject_hashes``) are their stored JSON
  text, i.e. what ``json.dumps`` wrote when the event was stored: ``", "`` and ``": "``
  separators, non-ASCII as ``\\u`` escapes. SQLite keeps that text, and so does PostgreSQL's
  ``json`` type (unlike ``jsonb``), so neither has to parse the JSON to write it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterator

from sqlalchemy import (
    Boolean,
    Integer,
    LargeBinary,
    String,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.types import JSON

from ..extensions import db
from ..models import ConsentEvent, PolicyVersion, Site
from ..models.types import UTCDateTime
from . import events

#: A cell holding any of these is quoted (``csv.QUOTE_MINIMAL`` with CRLF line ends).
SPECIAL = ('"', ",", "\n", "\r")
#: Cells that usually need quotes: JSON holds double quotes, a user agent commas. On SQLite,
#: these are tested in every row, the others a chunk at a time (see ``_fetched``).
OFTEN_QUOTED = {"choices", "services", "subject_hashes", "user_agent"}
_KINDS = [(Integer, "number"), (Boolean, "flag"), (UTCDateTime, "time"), (JSON, "json")]
_TEXT = {"text", "json"}


def chunks(site: Site, event_filter: events.EventFilter) -> Iterator[tuple[str, int]]:
    """The CSV in pieces of text, each with the number of events it holds."""
    yield ",".join(events.fields()) + "\r\n", 0
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        yield from _copied(connection, _select(_copy_columns(site), site, event_filter))
    elif connection.dialect.name == "sqlite":
        yield from _fetched(connection, site, event_filter)
    else:
        raise NotImplementedError(f"no CSV export on {connection.dialect.name}")


def _cells(site: Site) -> list[tuple[str, object, str]]:
    """Each exported column in ``events.fields()`` order: its name, value and kind of value."""
    cells: list[tuple[str, object, str]] = []
    for name in events.fields():
        if name == "site":
            cells.append((name, literal(site.key, String), "text"))
        elif name == "policy_version":
            cells.append((name, PolicyVersion.number, "number"))
        else:
            column = ConsentEvent.__table__.c[name]
            kind = next((k for t, k in _KINDS if isinstance(column.type, t)), "text")
            cells.append((name, column, kind))
    return cells


def _select(columns: list, site: Site, event_filter: events.EventFilter):
    return event_filter.apply(
        select(*columns)
        .select_from(ConsentEvent)
        .outerjoin(PolicyVersion, PolicyVersion.id == ConsentEvent.policy_version_id)
        .order_by(ConsentEvent.id),
        site,
    )


def _flag(column):
    return case((column, "true"), (not_(column), "false"))


def _copy_columns(site: Site) -> list:
    """The SELECT list for ``COPY``, which quotes the cells itself."""
    columns = []
    for _, column, kind in _cells(site):
        if kind == "text":
            # COPY writes an empty string as "" (to tell it from NULL); the csv module does not.
            column = func.nullif(column, "")
        elif kind == "time":
            text = func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US')
            column = func.replace(text, ".000000", "").concat("+00:00")
        elif kind == "flag":
            column = _flag(column)
        columns.append(column)
    return columns


def _copied(connection, statement) -> Iterator[tuple[str, int]]:
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    driver = connection.connection.driver_connection
    encoding = driver.info.encoding
    with driver.cursor() as cursor:
        # The COPY is one statement that lasts as long as the download. The connection's
        # statement_timeout is there for statements stuck on a lock: for this transaction
        # only, it becomes the lock timeout instead.
        cursor.execute(
            "SELECT set_config('lock_timeout', current_setting('statement_timeout'), true),"
            " set_config('statement_timeout', '0', true)"
        )
        query = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)"
        # psycopg merges the parameters into the query itself, as literals it escapes.
        with cursor.copy(query, compiled.params) as copy:
            lines = []
            # A block is one row, ended by LF; the export ends its lines with CRLF.
            for block in copy:
                lines.append(block[:-1])
                if len(lines) == events.CHUNK_ROWS:
                    yield _crlf(lines).decode(encoding), len(lines)
                    lines = []
            if lines:
                yield _crlf(lines).decode(encoding), len(lines)


def _crlf(lines: list) -> bytes:
    return b"\r\n".join(lines) + b"\r\n"


def _sqlite_line(site: Site, as_is: Collection[str] = ()):
    """The CSV line of a row, written by SQLite's ``printf``; cells named in ``as_is`` are
    written as they are, without testing whether they need quotes."""
    cells = []
    for name, column, kind in _cells(site):
        if kind in _TEXT and name not in as_is:
            # GLOB with one plain character runs strcspn() over the text: cheaper than
            # instr() or one GLOB with a character class.
            quote = or_(*(column.op("GLOB")(literal(f"*{c}*", String)) for c in SPECIAL))
            column = case((quote, func.printf('"%w"', column)), else_=column)
        elif kind == "time":
            # Stored as "2026-01-01 09:05:03.250000", in UTC.
            text = func.replace(func.replace(column, " ", "T"), ".000000", "")
            column = text.concat("+00:00")
        elif kind == "flag":
            column = _flag(column)
        cells.append(column)
    # printf writes NULL as nothing: the empty cell the csv module writes for None.
    return func.printf(",".join(["%s"] * len(cells)), *cells)


def _fetched(connection, site: Site, event_filter: events.EventFilter) -> Iterator[tuple[str, int]]:
    # Testing every text cell of every row in SQL would be a third of the export's time.
    # So SQLite tests only the OFTEN_QUOTED cells. The others are written as they are, and
    # also run together in a second column, which Python tests a whole chunk at a time;
    # the rare chunk where one of them needs quotes is selected again, every cell tested.
    rare = {n: c for n, c, kind in _cells(site) if kind in _TEXT and n not in OFTEN_QUOTED}
    together = func.printf("%s" * len(rare), *rare.values())
    # printf stops at NUL. The API refuses NUL, but a URL stored before it did may hold one:
    # such rows (rare) are written again in Python, byte for byte.
    nul = func.instr(cast(ConsentEvent.url, LargeBinary), literal(b"\x00", LargeBinary))
    statement = _select([_sqlite_line(site, as_is=rare), together, nul], site, event_filter)
    result = connection.execution_options(yield_per=events.CHUNK_ROWS).execute(statement)
    with result:
        for rows in result.partitions():
            lines, rarely_quoted, nuls = zip(*rows, strict=True)
            if any(c in "".join(rarely_quoted) for c in SPECIAL):
                lines = _tested(connection, site, lines)
            if any(nuls):
                lines = _written_in_python(site, lines, nuls)
            yield "\r\n".join(lines) + "\r\n", len(lines)


def _tested(connection, site: Site, lines) -> list[str]:
    """The lines of the same events, every cell tested for quotes."""
    ids = [int(line.partition(",")[0]) for line in lines]
    statement = _select([_sqlite_line(site)], site, events.EventFilter())
    return connection.scalars(statement.where(ConsentEvent.id.in_(ids))).all()


def _written_in_python(site: Site, lines, nuls) -> list[str]:
    """``lines``, with those of the rows flagged in ``nuls`` written by the ``csv`` module."""
    ids = [_id(line) for line, nul in zip(lines, nuls, strict=True) if nul]
    written = {}
    for record in events.records(site, events.EventFilter(ids=ids)):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow([_cell(v) for v in record.values()])
        written[record["id"]] = buffer.getvalue()
    return [written[_id(line)] if nul else line for line, nul in zip(lines, nuls, strict=True)]


def _id(line: str) -> int:
    return int(line.partition(",")[0])


def _cell(value) -> str:
    """A value of :func:`events.records` as the SQL above writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)  # the stored JSON text: json.dumps wrote it
    return str(value)
