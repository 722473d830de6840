"""Benchmark 3: the banner's cost to a page, from ``bench/page_cost.py`` (the banner's own).

page_cost.py measures in Chromium and prints a table; it is run as it is, in a process of
its own, and its table is read back into rows of the common table.
"""

from __future__ import annotations

import re
import subprocess
import sys

from . import servers
from .report import Row

BUDGET = 8000
LINE = re.compile(r"^(?P<case>\S.*?)\s+(?P<bytes>\d+)\s+(?P<requests>\d+)\s+(?P<cls>[\d.]+)"
                  r"\s+(?P<shown>[\d.]+|-)$")


def parse(text: str) -> dict[str, dict]:
    """The cases of page_cost.py's table by name: bytes, requests, cls, shown (ms or None)."""
    cases = {}
    for line in text.splitlines():
        match = LINE.match(line.strip())
        if match:
            shown = match["shown"]
            cases[match["case"]] = {
                "bytes": int(match["bytes"]), "requests": int(match["requests"]),
                "cls": float(match["cls"]), "shown": None if shown == "-" else float(shown),
            }
    return cases


def _case(cases: dict, start: str) -> dict:
    for name, values in cases.items():
        if name.startswith(start):
            return values
    raise RuntimeError(f"page_cost.py printed no case starting {start!r}")


def measure(log=print) -> list[Row]:
    result = subprocess.run(
        [sys.executable, str(servers.ROOT / "bench" / "page_cost.py")],
        cwd=servers.ROOT, capture_output=True, text=True, timeout=600,
    )
    cases = parse(result.stdout)
    if not cases:
        raise RuntimeError(f"page_cost.py printed no table ({result.returncode}): "
                           f"{(result.stdout + result.stderr)[-1500:]}")
    for line in result.stdout.splitlines():
        log(f"  {line}")
    bare = _case(cases, "bare page")
    first = _case(cases, "first visit, page ru")
    other = _case(cases, "first visit, page kk")
    back = _case(cases, "returning visitor")
    big, big_back = _case(cases, "big site: first visit"), _case(cases, "big site: returning")
    worst = max(first["bytes"], other["bytes"])
    cls = max(first["cls"], other["cls"], big["cls"])
    return [
        Row("page cost", "first visit: gzipped bytes from the server", worst, "B",
            "bare page", bare["bytes"], goal="≤ 8,000 B", ok=worst <= BUDGET,
            note=f"page in the browser's language {first['bytes']:,} B, in another "
            f"{other['bytes']:,} B, {first['requests']} requests"),
        Row("page cost: big site", "first visit in Kazakh: gzipped bytes", big["bytes"], "B",
            "bare page", bare["bytes"], goal="≤ 8,000 B", ok=big["bytes"] <= BUDGET,
            note=f"eight services, {big['requests']} requests"),
        Row("page cost", "returning visitor: requests to the server",
            back["requests"] + big_back["requests"], "requests", "bare page", bare["requests"],
            goal="0 beyond the cached script", ok=back["requests"] + big_back["requests"] == 0,
            note="the demo and the big site"),
        Row("page cost", "cumulative layout shift", cls, "", "bare page", bare["cls"],
            goal="0", ok=cls <= bare["cls"]),
        Row("page cost", "DOMContentLoaded → banner visible", first["shown"], "ms",
            note=f"{other['shown']} ms when the page's language differs from the browser's"),
    ]
