"""The CSV export, written by the database: the same bytes on SQLite and PostgreSQL."""

import csv
import io
from datetime import UTC, datetime

import pytest
from admin_helpers import bulk_events, csv_cell
from sqlalchemy import insert, select, text

from cookieconsent.export import events, formats
from cookieconsent.extensions import db
from cookieconsent.models import ConsentEvent, PolicyVersion


def reference(site, event_filter=None) -> str:
    """The CSV as Python's csv module writes the ORM's values (the format, in Python)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(events.fields())
    for record in events.records(site, event_filter or events.EventFilter()):
        writer.writerow([csv_cell(value) for value in record.values()])
    return buffer.getvalue()


def exported(site, event_filter=None) -> str:
    return "".join(formats.stream(site, event_filter or events.EventFilter(), "csv"))


def awkward_events(site) -> list[int]:
    """Three events with every kind of value that needs care; their ids, in order."""
    version = db.session.scalar(select(PolicyVersion).where(PolicyVersion.site_id == site.id))
    common = {"site_id": site.id, "revision": 1, "language": "kk", "gpc": False}
    rows = [
        common
        | {
            "consent_id": "0" * 31 + "1",
            "kind": "form",
            "event_type": "given",
            "action": "agree",
            "method": "form",
            "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "choices": {"essential": True, "ключ": 'a "quoted", value'},
            "services": [],
            "revision": 3,
            "policy_version_id": version.id,
            "url": "https://shop.example.kz/p?a=1,2\r\nb",
            "ip": "",
            "user_agent": '  ünïcode "UA"  ',
            "gpc": True,
            "form_id": "feedback",
            "subject_hashes": ["ab", "cd"],
            "expires_at": datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC),
            "purge_after": datetime(2027, 1, 2, 0, 0, 0, 250000, tzinfo=UTC),
            "pii_digest": "digest",
            "seal_key": "k1",
        },
        common
        | {
            "consent_id": "0" * 31 + "2",
            "kind": "cookie",
            "event_type": "withdrawn",
            "action": "withdraw",
            "method": "operator",
            "created_at": datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
            "choices": {},
            "services": ["видео"],
            "language": "ru",
            "policy_sha256": "f" * 64,
            "url": "lone\rcr",
            "ip": "10.0.0.0",
            "user_agent": "line1\nline2",
            "previous_consent_id": "0" * 31 + "1",
            "subject_hashes": [],
            "erased_at": datetime(2026, 2, 1, tzinfo=UTC),
        },
        common
        | {
            "consent_id": 'odd,"id"',
            "kind": "cookie",
            "event_type": "given",
            "action": "reject_all",
            "method": "banner",
            "created_at": datetime(2026, 1, 3, tzinfo=UTC),
            "choices": {"essential": True},
            "services": [],
            "url": ",",
            "user_agent": '"',
            "subject_hashes": [],
        },
    ]
    db.session.execute(insert(ConsentEvent), rows)
    db.session.commit()
    ids = select(ConsentEvent.id).where(ConsentEvent.site_id == site.id).order_by(ConsentEvent.id)
    return list(db.session.scalars(ids))


def test_awkward_values_are_written_to_the_byte(site):
    first, second, third = awkward_events(site)
    # The stored JSON: ", " and ": " separators, non-ASCII escaped; then CSV's quote doubling.
    key = "\\u043a\\u043b\\u044e\\u0447"
    choices = f'"{{""essential"": true, ""{key}"": ""a \\""quoted\\"", value""}}"'
    expected = (
        ",".join(events.fields())
        + "\r\n"
        + f"{first},{'0' * 31}1,shop,form,given,agree,form,2026-01-02T03:04:05+00:00,"
        + f'{choices},[],3,1,kk,,"https://shop.example.kz/p?a=1,2\r\nb",,'
        + '"  ünïcode ""UA""  ",true,,feedback,,"[""ab"", ""cd""]",'
        + "2026-01-02T03:04:05.000007+00:00,2027-01-02T00:00:00.250000+00:00,,digest,k1,,1,,\r\n"
        + f"{second},{'0' * 31}2,shop,cookie,withdrawn,withdraw,operator,"
        + '2026-01-02T03:04:05.123456+00:00,{},"[""\\u0432\\u0438\\u0434\\u0435\\u043e""]",1,,'
        + f'ru,{"f" * 64},"lone\rcr",10.0.0.0,"line1\nline2",false,{"0" * 31}1,,,[],'
        + ",,2026-02-01T00:00:00+00:00,,,,1,,\r\n"
        + f'{third},"odd,""id""",shop,cookie,given,reject_all,banner,2026-01-03T00:00:00+00:00,'
        + '"{""essential"": true}",[],1,,kk,,",",,"""",false,,,,[],,,,,,,1,,\r\n'
    )
    assert exported(site) == expected
    assert reference(site) == expected


def test_export_is_the_reference_for_a_varied_log(site):
    # Whole chunks where only JSON and user agents need quotes, then chunks where a URL does.
    bulk_events(site, 450, url="https://shop.example.kz/catalog")
    bulk_events(site, 300)
    awkward_events(site)
    text = exported(site)
    assert text == reference(site)
    assert len(list(csv.reader(io.StringIO(text, newline="")))) == 1 + 753


def test_export_keeps_the_filter(site, make_site):
    written = bulk_events(site, 50, start=datetime(2026, 1, 1, tzinfo=UTC))
    other = make_site("other", origins=["https://other.example.kz"])
    bulk_events(other, 20)
    period = events.EventFilter(start=datetime(2026, 1, 1, 0, 10, tzinfo=UTC))
    assert exported(site, period) == reference(site, period)
    assert exported(site, period).count("shop.example.kz/p/") == 40
    narrow = events.EventFilter(
        end=datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
        method="banner",
        event_type="given",
        kind="cookie",
        consent_ids=[w["consent_id"] for w in written[:20]],
    )
    assert exported(site, narrow) == reference(site, narrow)
    assert exported(site, narrow).count("shop.example.kz/p/") == 10
    one = events.EventFilter(consent_id=written[7]["consent_id"])
    assert exported(site, one).count(written[7]["consent_id"]) == 1
    header = ",".join(events.fields()) + "\r\n"
    assert exported(site, events.EventFilter(consent_ids=[])) == header


def test_export_streams_in_counted_chunks(site):
    bulk_events(site, 2 * events.CHUNK_ROWS + 5)
    pieces = list(formats.chunks(site, events.EventFilter(), "csv"))
    assert pieces[0] == (",".join(events.fields()) + "\r\n", 0)
    assert [n for _, n in pieces[1:]] == [events.CHUNK_ROWS, events.CHUNK_ROWS, 5]
    # Each piece ends a line (URLs hold a lone LF; only line ends are CRLF).
    assert all(piece.count("\r\n") == n and piece.endswith("\r\n") for piece, n in pieces[1:])


def test_an_export_left_half_read_leaves_the_connection_usable(site):
    bulk_events(site, 5 * events.CHUNK_ROWS)
    stream = formats.stream(site, events.EventFilter(), "csv")
    next(stream), next(stream)
    stream.close()
    # The request's teardown ends the transaction (on PostgreSQL the COPY was cancelled).
    db.session.rollback()
    assert events.count(site, events.EventFilter()) == 5 * events.CHUNK_ROWS


def test_the_export_lifts_the_statement_timeout_for_its_transaction(site):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's statement_timeout")
    # A COPY lasts as long as the download; a lock wait is still bounded.
    bulk_events(site, 10)
    assert exported(site).count("\r\n") > 10
    settings = "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
    assert tuple(db.session.execute(text(settings)).one()) == ("0", "15s")
    db.session.rollback()
    assert db.session.execute(text(settings)).one()[0] == "15s"


def test_a_url_stored_with_nul_is_exported_byte_for_byte(site):
    """The API refuses NUL now; a row stored before it did still exports whole (SQLite)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's text cannot hold NUL at all")
    bulk_events(site, 3, url="https://shop.example.kz/plain")
    bulk_events(site, 1, url="https://shop.example.kz/a\x00b, \"quoted\"")
    bulk_events(site, 2, url="https://shop.example.kz/after")
    text = exported(site)
    assert '"https://shop.example.kz/a\x00b, ""quoted"""' in text
    assert text == reference(site)
    assert len(list(csv.reader(io.StringIO(text, newline="")))) == 1 + 6
