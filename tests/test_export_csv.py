"""The CSV export's fast path writes exactly what the reference writer writes."""

from datetime import UTC, datetime

import pytest
from admin_helpers import bulk_events

from cookieconsent import export, export_csv


def reference(site, event_filter=None) -> str:
    """The CSV as the plain, ORM-based writer makes it."""
    return "".join(export.write_csv(export.records(site, event_filter or export.EventFilter())))


def fast(site, event_filter=None) -> str:
    return "".join(export.stream(site, event_filter or export.EventFilter(), "csv"))


def test_fast_csv_is_byte_for_byte_the_reference(site):
    bulk_events(site, 700)
    # Whole seconds (isoformat drops the fraction), erased data, a form consent's fields,
    # non-ASCII JSON and an empty list all take their own branch.
    bulk_events(
        site, 3, start=datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC), ip=None, user_agent=None,
        erased_at=datetime(2026, 3, 2, tzinfo=UTC), gpc=True,
        services=["видео", "yandex-metrika"], subject_hashes=["a" * 64],
        form_id="feedback", kind="form",
    )
    text = fast(site)
    assert text == reference(site)
    assert text.count("\r\n") > 703  # header and rows, with newlines inside quoted URLs


def test_fast_csv_keeps_the_filter(site, make_site):
    bulk_events(site, 50, start=datetime(2026, 1, 1, tzinfo=UTC))
    other = make_site("other", origins=["https://other.example.kz"])
    bulk_events(other, 20)
    period = export.EventFilter(start=datetime(2026, 1, 1, 0, 10, tzinfo=UTC))
    assert fast(site, period) == reference(site, period)
    assert fast(site, period).count("shop.example.kz/p/") == 40


def test_fast_csv_streams_in_chunks(site):
    bulk_events(site, 2 * export.CHUNK_ROWS + 5)
    chunks = list(export.stream(site, export.EventFilter(), "csv"))
    assert len(chunks) >= 3
    assert chunks[0].startswith(",".join(export.fields()) + "\r\n")


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("2026-01-01 00:00:00.000000", "2026-01-01T00:00:00+00:00"),
        ("2026-01-01 09:05:03.250000", "2026-01-01T09:05:03.250000+00:00"),
        ("2026-01-01 09:05:03", "2026-01-01T09:05:03+00:00"),
        (datetime(2026, 1, 1, 9, 5, 3, 7, tzinfo=UTC), "2026-01-01T09:05:03.000007+00:00"),
        (None, None),
    ],
)
def test_timestamps_are_written_as_isoformat_writes_them(stored, written):
    assert export_csv.timestamp(stored) == written
