"""The other engineers' benchmark scripts, run as they are and read into the common table.

``bench/export_memory.py`` (the export's memory at 1,000 and 100,000 rows) and
``bench/ledger_verify.py`` (what sealing adds to an append) print their own figures; their
numbers add to what benchmarks 4 and 5 measure at a million events.
"""

from __future__ import annotations

import re
import subprocess
import sys

from . import servers
from .report import Row

FLAT = 1.1


def _run(script: str, *args: str, log=print) -> str:
    result = subprocess.run(
        [sys.executable, str(servers.ROOT / "bench" / script), *args],
        cwd=servers.ROOT, capture_output=True, text=True, timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"{script} failed ({result.returncode}): {result.stderr[-1500:]}")
    for line in result.stdout.splitlines():
        log(f"  {line}")
    return result.stdout


def export_memory(log=print) -> list[Row]:
    """Peak RSS of a server exporting 100,000 rows against exporting 1,000."""
    text = _run("export_memory.py", log=log)
    peaks = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[1] in {"csv", "jsonl"} and parts[2].replace(",", "").isdigit():
            peaks[(parts[0], parts[1])] = (int(parts[2].replace(",", "")), float(parts[5]))
    try:
        rows, peak = peaks[("all", "csv")]
        _, base = peaks[("baseline", "csv")]
    except KeyError:
        raise RuntimeError(f"export_memory.py printed no table: {text[-1000:]}") from None
    return [
        Row("export memory (export_memory.py)", f"server peak RSS, {rows:,} rows CSV", peak,
            "MB", "same at 1,000 rows", base, goal=f"ratio ≤ {FLAT} (flat)",
            ok=peak <= FLAT * base),
    ]


def ledger_append(log=print) -> list[Row]:
    """What sealing adds to appending an event (the ledger's own benchmark, 20,000 events)."""
    text = _run("ledger_verify.py", log=log)
    match = re.search(r"append\s+([\d.]+) µs/event sealed,\s+([\d.]+) plain", text)
    if not match:
        raise RuntimeError(f"ledger_verify.py printed no append figures: {text[-1000:]}")
    sealed, plain = float(match[1]), float(match[2])
    return [
        Row("ledger (ledger_verify.py)", "append an event, sealed", sealed, "µs",
            "append, not sealed", plain, note="ORM appends, 20,000 events on SQLite"),
    ]
