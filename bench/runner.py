"""Run every benchmark, print one table, keep the latest run in bench/RESULTS.md.

    bench/run                         # everything, as RESULTS.md records it (~10 minutes)
    bench/run --quick                 # small sizes, short loads, RESULTS.md left alone
    bench/run --only api,page --engines sqlite

Sections: ``api`` (1, 2: write and verify paths against the bare-Flask floor), ``embed`` (a
fresh worker's first script, a site visited every 30 s), ``page`` (3: what the banner costs a
page, and beside it on the same host page the peers vanilla-cookieconsent and klaro:
``bench/peers.py``; the observer on a page that inserts 1,000 elements:
``bench/spa_observer.py``), ``export`` (4), ``ledger`` (5), ``dashboard`` (6). The last
three share one generated log of ``--events`` events per database engine.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import adapters, page_rows, servers
from .report import Row, machine, save, table

SECTIONS = ("api", "embed", "page", "export", "ledger", "dashboard")
ENGINES = ("sqlite", "postgresql")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections (default: all)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated database engines (default: both)")
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="events in the generated log (default: 1,000,000)")
    parser.add_argument("--seconds", type=float, default=10,
                        help="length of each load run (default: 10)")
    parser.add_argument("--connections", type=int, default=16,
                        help="concurrent connections of the load (default: 16)")
    parser.add_argument("--quick", action="store_true",
                        help="20,000 events and 3-second loads; RESULTS.md left alone")
    parser.add_argument("--no-save", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument("--peers-backend", action="store_true",
                        help="also run c15t's backend (npm, PostgreSQL) beside our write path")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.seconds, args.no_save = min(args.events, 20_000), 3, True
    args.only = [s for s in args.only.split(",") if s]
    args.engines = [e for e in args.engines.split(",") if e]
    unknown = set(args.only) - set(SECTIONS) | set(args.engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown section or engine: {', '.join(sorted(unknown))}")
    return args


def log(message: str) -> None:
    print(message, flush=True)


def failed(bench: str, error: BaseException) -> Row:
    """A row that says a benchmark could not run, so the rest of the table still prints."""
    traceback.print_exception(error)
    return Row(bench, "FAILED", None, ok=False, note=f"{type(error).__name__}: {error}"[:300])


def api_section(args, workdir: Path, engines: list[str]) -> list[Row]:
    from . import api_paths

    rows: list[Row] = []
    if args.peers_backend and "postgresql" in engines:
        from . import peers_backend

        rows += guarded("write: c15t", lambda log: peers_backend.measure(
            workdir, seconds=args.seconds, connections=args.connections, log=log))
    for engine in engines:
        log(f"[api] write and verify paths on {engine}")
        try:
            rows += api_paths.measure(engine, workdir, seconds=args.seconds,
                                      connections=args.connections, log=log)
        except Exception as error:  # noqa: BLE001 - the table must still print
            rows.append(failed(f"write, verify / {engine}", error))
    return rows


def guarded(bench: str, measure) -> list[Row]:
    """``measure(log=log)``, or a FAILED row if it raises."""
    log(f"[{bench}]")
    try:
        return measure(log=log)
    except Exception as error:  # noqa: BLE001 - the table must still print
        return [failed(bench, error)]


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    info = machine()
    started = time.perf_counter()
    options, setup = servers.gunicorn_config()
    info["setup"] = f"gunicorn: {setup}; load: wrk, {args.connections} connections, " \
        f"{args.seconds:g} s per run; generated log: {args.events:,} events"
    rows: list[Row] = []
    engines = list(args.engines)
    if "postgresql" in engines and (why := servers.postgres_available()):
        log(why)
        rows.append(Row("postgresql", "SKIPPED", None, ok=False, note=why))
        engines.remove("postgresql")

    workdir = Path(tempfile.mkdtemp(prefix="cookieconsent-bench-"))
    servers.use_workdir(workdir)
    try:
        if "api" in args.only:
            rows += api_section(args, workdir, engines)
        if "embed" in args.only and engines:
            from . import embed_times

            # One engine is enough: the script is served from memory once built.
            engine = "postgresql" if "postgresql" in engines else engines[0]
            rows += guarded("embed", lambda log: embed_times.measure(
                engine, workdir, interval=6 if args.quick else 30, log=log))
        if "page" in args.only:
            rows += guarded("page cost", page_rows.measure)
            from . import peers

            rows += guarded("peers", lambda log: peers.measure(3 if args.quick else 7, log))
            from . import spa_observer

            rows += guarded("spa observer", spa_observer.measure)
        if "export" in args.only:
            rows += guarded("export memory", adapters.export_memory)
        if "ledger" in args.only:
            rows += guarded("ledger append", adapters.ledger_append)
        if {"export", "ledger", "dashboard"} & set(args.only):
            from . import million

            try:
                rows += million.measure(args.only, engines, args.events, workdir, failed, log)
            except Exception as error:  # noqa: BLE001
                rows.append(failed(f"log of {args.events:,} events", error))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    seconds = time.perf_counter() - started
    print()
    print(table(rows))
    print(f"\n{seconds / 60:.1f} minutes on {info['cpu']} ({info['nproc']} cores), "
          f"{info['date']}")
    if not args.no_save:
        command = "bench/run " + shlex.join(argv if argv is not None else sys.argv[1:])
        save(rows, info, command.strip(), seconds)
        print("Saved to bench/RESULTS.md")
    return 1 if any(row.measure in {"FAILED"} for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
