"""The cookie knowledge: which service sets a cookie or storage key, for what, and for how long.

The entries come from the Open Cookie Database (Apache-2.0; ``LICENSE`` and ``SOURCE.md`` in
this folder), shipped as ``open-cookie-database.json`` and rebuilt from a newer CSV with
``flask catalogue refresh PATH``. The API is small on purpose: :func:`lookup`,
:func:`platforms`, :func:`entries_for` and :func:`tracker_host`.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("open-cookie-database.json")

#: The Open Cookie Database's categories, in ours.
CATEGORY_MAP = {
    "Functional": "functional",
    "Analytics": "analytics",
    "Marketing": "marketing",
    "Security": "essential",
    "Necessary": "essential",
    "Personalization": "personalisation",
}
FIELDS = ("name", "wildcard", "platform", "category", "domain", "description", "retention",
          "controller")
_COLUMNS = {
    "name": "Cookie / Data Key name",
    "platform": "Platform",
    "category": "Category",
    "domain": "Domain",
    "description": "Description",
    "retention": "Retention period",
    "controller": "Data Controller",
    "wildcard": "Wildcard match",
}
_HOST = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}")


@dataclass(frozen=True)
class Entry:
    name: str
    wildcard: bool
    platform: str
    category: str
    domain: str
    description: str
    retention: str
    controller: str

    def matches(self, name: str) -> bool:
        return name.startswith(self.name) if self.wildcard else name == self.name


class CatalogueError(ValueError):
    """A CSV that is not the Open Cookie Database's."""


@cache
def _entries() -> tuple[Entry, ...]:
    rows = json.loads(DATA.read_text("utf-8"))["entries"]
    return tuple(Entry(**dict(zip(FIELDS, row, strict=True))) for row in rows)


@cache
def _index() -> tuple[dict[str, Entry], tuple[Entry, ...]]:
    exact: dict[str, Entry] = {}
    for entry in _entries():
        if not entry.wildcard:
            exact.setdefault(entry.name, entry)
    # The longest prefix is the most specific: _ga_ before _ga.
    prefixes = tuple(sorted((e for e in _entries() if e.wildcard), key=lambda e: -len(e.name)))
    return exact, prefixes


def lookup(name: str) -> Entry | None:
    """The entry for a cookie or storage key: its exact name first, then the longest prefix."""
    exact, prefixes = _index()
    if name in exact:
        return exact[name]
    return next((entry for entry in prefixes if entry.matches(name)), None)


def platforms() -> list[str]:
    """Every platform (service) the catalogue knows, sorted."""
    return sorted({entry.platform for entry in _entries()}, key=str.casefold)


def entries_for(platform: str) -> list[Entry]:
    """The cookies and keys of one platform, in the catalogue's order."""
    return [entry for entry in _entries() if entry.platform == platform]


@cache
def _tracker_domains() -> dict[str, Entry]:
    domains: dict[str, Entry] = {}
    for entry in _entries():
        if entry.category == "essential":
            continue
        for host in _HOST.findall(entry.domain.lower()):
            domains.setdefault(host.removeprefix("www."), entry)
    return domains


def tracker_host(host: str) -> Entry | None:
    """An entry of the platform behind ``host`` (``mc.yandex.ru``), when it is a tracker's."""
    host = host.lower().rstrip(".")
    domains = _tracker_domains()
    labels = host.split(".")
    for start in range(len(labels) - 1):
        entry = domains.get(".".join(labels[start:]))
        if entry is not None:
            return entry
    return None


def build(csv_path: str | Path, target: Path = DATA) -> int:
    """Rebuild the shipped file from an Open Cookie Database CSV; returns the entry count.

    The file is written whole or not at all: a bad CSV leaves the old one in place.
    """
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(_COLUMNS.values()) - set(reader.fieldnames or ())
        if missing:
            absent = ", ".join(sorted(missing))
            raise CatalogueError(f"not an Open Cookie Database CSV: no {absent}")
        rows = []
        for line, row in enumerate(reader, start=2):
            name = (row[_COLUMNS["name"]] or "").strip()
            category = CATEGORY_MAP.get((row[_COLUMNS["category"]] or "").strip())
            if not name or category is None:
                raise CatalogueError(f"line {line}: no name or an unknown category")
            rows.append([
                name,
                (row[_COLUMNS["wildcard"]] or "").strip() == "1",
                row[_COLUMNS["platform"]].strip(),
                category,
                *(row[_COLUMNS[field]].strip() for field in FIELDS[4:]),
            ])
    if not rows:
        raise CatalogueError("the CSV holds no cookies")
    temporary = target.with_suffix(".tmp")
    temporary.write_text(
        json.dumps({"fields": FIELDS, "entries": rows}, ensure_ascii=False, separators=(",", ":")),
        "utf-8",
    )
    temporary.replace(target)
    for cached in (_entries, _index, _tracker_domains):
        cached.cache_clear()
    return len(rows)
