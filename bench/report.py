"""Rows of results, the table they print as, and bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START = "<!-- bench/run: results start -->"
END = "<!-- bench/run: results end -->"


@dataclass
class Row:
    """One figure: its value, the baseline measured in the same run, and the goal."""

    bench: str
    measure: str
    value: float | None
    unit: str = ""
    baseline: str = ""
    base_value: float | None = None
    goal: str = ""
    #: True, False, or None where the figure has no goal.
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.base_value:
            return None
        return self.value / self.base_value


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit in {"", "requests", "errors", "rows"} and float(value).is_integer():
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}" if value else "0"
    return f"{text} {unit}".strip()


def table(rows: list[Row]) -> str:
    """The rows as one Markdown table, readable in a terminal too."""
    header = ["benchmark", "measure", "value", "baseline", "baseline value", "ratio", "goal", "met"]
    body = [
        [
            row.bench,
            row.measure,
            number(row.value, row.unit),
            row.baseline,
            number(row.base_value, row.unit) if row.baseline else "",
            f"{row.ratio:.2f}" if row.ratio is not None and row.baseline else "",
            row.goal,
            {True: "yes", False: "NO", None: ""}[row.ok],
        ]
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    notes = [f"- {row.bench}, {row.measure}: {row.note}" for row in rows if row.note]
    return "\n".join([line(header), rule, *map(line, body)] + ([""] + notes if notes else []))


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.rstrip()
    except OSError:
        memory = "unknown"
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "load": load,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def results_section(rows: list[Row], info: dict[str, str], command: str, seconds: float) -> str:
    return "\n".join(
        [
            START,
            f"## Latest run: {info['date']}",
            "",
            f"- command: `{command}` ({seconds / 60:.1f} minutes)",
            f"- machine: {info['cpu']}, `nproc` = {info['nproc']}, Python {info['python']}, "
            f"Linux {info['kernel']}, load average before the run {info['load']}",
            f"- {info['setup']}" if info.get("setup") else "",
            "",
            "```",
            "$ free -h",
            info["memory"],
            "```",
            "",
            table(rows),
            END,
        ]
    )


def save(rows: list[Row], info: dict[str, str], command: str, seconds: float) -> None:
    """Put the latest run into bench/RESULTS.md, keeping the written analysis around it."""
    section = results_section(rows, info, command, seconds)
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n" + START + END
    if START in text and END in text:
        pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(text)
