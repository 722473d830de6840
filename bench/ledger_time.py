"""Benchmark 5: ``flask ledger verify`` over the whole log, its time and its peak memory.

The command runs as its own process, exactly as an operator runs it; ``os.wait4`` gives its
peak RSS. The baseline is the least any verifier written in Python must do: read every row
of the log through a plain DB-API cursor, checking nothing. Running it at a tenth of the
events and again at all of them shows whether the time grows linearly.
"""

from __future__ import annotations

import sys

from . import servers
from .report import Row

MEMORY_GOAL_MB = 200
#: Time per event at the full size over time per event at a tenth: 1.0 is exactly linear.
LINEAR_GOAL = 1.25

READ_ALL = """
import sys
url = sys.argv[1]
if url.startswith("sqlite:///"):
    import sqlite3
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    cursor = conn.cursor()
else:
    import psycopg
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))
    cursor = conn.cursor(name="read_all")  # server side: the rows arrive in batches
cursor.execute("SELECT * FROM consent_event ORDER BY id")
rows = 0
while batch := cursor.fetchmany(2000):
    rows += len(batch)
print(rows)
"""


def flask(*args: str) -> list[str]:
    return [str(servers.VENV_BIN / "flask"), "--app", "wsgi", *args]


def checkpoint(database: servers.Database, log=print) -> float:
    """Sign checkpoints over every row (as cron would have, a minute at a time)."""
    seconds, _, code, errors = servers.run_measured(
        flask("ledger", "checkpoint"), cwd=servers.ROOT, env=servers.app_env(database.url)
    )
    if code:
        raise RuntimeError(f"flask ledger checkpoint failed: {errors[-2000:]}")
    log(f"  ledger checkpoint ({database.engine}): {seconds:.1f} s")
    return seconds


def verify(database: servers.Database, log=print) -> tuple[float, float, float]:
    """Seconds and peak MiB of ``flask ledger verify``, and seconds of the raw read."""
    env = servers.app_env(database.url)
    seconds, peak, code, errors = servers.run_measured(
        flask("ledger", "verify", "--quiet"), cwd=servers.ROOT, env=env
    )
    if code:
        raise RuntimeError(f"flask ledger verify failed ({code}): {errors[-2000:]}")
    raw, _, code, errors = servers.run_measured(
        [sys.executable, "-c", READ_ALL, database.url], env=env
    )
    if code:
        raise RuntimeError(f"reading the rows failed: {errors[-2000:]}")
    log(f"  ledger verify ({database.engine}): {seconds:.1f} s, {peak:.0f} MB; "
        f"raw read {raw:.1f} s")
    return seconds, peak, raw


def rows(engine: str, empty: tuple, small: tuple, full: tuple, small_n: int,
         full_n: int) -> list[Row]:
    """The table's rows from verifying an empty log, ``small_n`` events and ``full_n``.

    Per-event times leave out the empty log's time (starting Python, importing the app),
    which would otherwise make the small run look slower per event than it is.
    """
    bench = f"ledger verify / {engine}"
    seconds, peak, raw = full
    per_event = max(0.0, seconds - empty[0]) / full_n * 1e6
    per_event_small = max(0.0, small[0] - empty[0]) / small_n * 1e6
    return [
        Row(bench, f"time, {full_n:,} events", seconds, "s", "raw read of every row", raw,
            note=f"of which {empty[0]:.1f} s start-up (the same command on an empty log)"),
        Row(bench, "time per event", per_event, "µs", f"same at {small_n:,} events",
            per_event_small, goal=f"ratio ≤ {LINEAR_GOAL} (linear)",
            ok=per_event <= LINEAR_GOAL * per_event_small),
        Row(bench, "peak memory", peak, "MB", f"same at {small_n:,} events", small[1],
            goal=f"< {MEMORY_GOAL_MB} MB", ok=peak < MEMORY_GOAL_MB),
    ]
