"""Benchmarks 4-6 over one generated log per database engine: export, ledger, dashboard.

The log is written in two parts, a tenth and then the rest, so that ``flask ledger verify``
runs at both sizes and shows whether its time grows linearly. SQLite's log is generated and
sealed in Python; PostgreSQL's is copied from it (same rows, seals and checkpoints), since
sealing a million rows twice would spend minutes of the run's budget on set-up.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from . import dashboard_time, dataset, export_time, ledger_time, servers
from .report import Row


def _guarded(rows: list[Row], bench: str, work, on_error) -> object:
    """Run ``work``; on an error add a FAILED row instead, so the table still prints."""
    try:
        return work()
    except Exception as error:  # noqa: BLE001 - one broken part must not hide the others
        rows.append(on_error(bench, error))
        return None


def measure(sections: list[str], engines: list[str], total: int, workdir: Path,
            on_error, log=print) -> list[Row]:
    """Run the selected sections on each engine; SQLite first, as PostgreSQL's source."""
    rows: list[Row] = []
    with ExitStack() as stack:
        source = None
        for engine in sorted(engines, key=lambda e: e != "sqlite"):
            database = stack.enter_context(servers.Database(engine, workdir))
            rows += one_engine(database, source, sections, total, on_error, log)
            if engine == "sqlite":
                source = database
    return rows


def one_engine(database: servers.Database, source: servers.Database | None,
               sections: list[str], total: int, on_error, log=print) -> list[Row]:
    """Write the log into ``database`` (copied from ``source`` if given) and measure it."""
    rows: list[Row] = []
    engine = database.engine
    tenth = max(1, total // 10)
    servers.prepare(database.url)

    def load(first: int, last: int) -> float:
        if source is not None:
            return dataset.transfer(source, database, first, last, log=log)
        seconds = dataset.generate(database.url, total, first, last, log=log)
        if "ledger" in sections:
            seconds += ledger_time.checkpoint(database, log=log)
        return seconds

    def verify():
        return ledger_time.verify(database, log=log)

    empty = small = None
    if "ledger" in sections:
        # The command's fixed cost (start-up, imports), so that per-event figures exclude it.
        empty = _guarded(rows, f"ledger verify / {engine}", verify, on_error)
    log(f"[{engine}] a log of {total:,} events: the first {tenth:,}")
    setup = load(0, tenth)
    if empty is not None:
        small = _guarded(rows, f"ledger verify / {engine}", verify, on_error)
    log(f"[{engine}] the other {total - tenth:,}")
    setup += load(tenth, total)
    log(f"  log ready in {setup:.0f} s")
    if "ledger" in sections and small is not None:
        full = _guarded(rows, f"ledger verify / {engine}", verify, on_error)
        if full is not None:
            rows += ledger_time.rows(engine, empty, small, full, tenth, total)
    if "export" in sections:
        log(f"[export] CSV export on {engine}")
        rows += _guarded(rows, f"export / {engine}",
                         lambda: export_time.measure(database, total, log=log), on_error) or []
    if "dashboard" in sections:
        log(f"[dashboard] on {engine}")
        rows += _guarded(
            rows, f"dashboard / {engine}",
            lambda: dashboard_time.measure(database, total, dataset.DAYS, log=log),
            on_error,
        ) or []
    return rows
