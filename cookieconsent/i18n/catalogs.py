"""The compiled catalogs Babel reads, ready however the server was started.

The ``.po`` files in ``translations/`` are the source; the ``.mo`` files Babel reads are build
output and not committed. A wheel ships them compiled (``setup.py`` compiles them when the
package is built, and ships no ``.po``). A checkout has only the sources, and a server started
there with ``flask run``, ``gunicorn wsgi:app`` or any ``flask`` command must not fall back to
English: so at start, when a ``.mo`` beside its ``.po`` is missing or older, the catalogs are
compiled into the instance folder, and Babel reads them from there. A translator who edits a
``.po`` sees the change at the next start.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..config import DATA

SOURCE = DATA / "translations"
CATALOG = "LC_MESSAGES/messages"


def directory(instance_path: str) -> str:
    """Where Babel finds up-to-date compiled catalogs; compiled there first if need be."""
    if not _stale(SOURCE, SOURCE):
        return str(SOURCE)
    target = Path(instance_path) / "translations"
    if _stale(SOURCE, target):
        compile_catalogs(SOURCE, target)
    return str(target)


def _stale(source: Path, target: Path) -> bool:
    """Whether any ``.po`` under ``source`` lacks a ``.mo`` under ``target`` as new as itself."""
    for po in source.glob(f"*/{CATALOG}.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            return True
    return False


def compile_catalogs(source: Path, target: Path) -> None:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` of ``source`` into ``target``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(source.glob(f"*/{CATALOG}.po")):
        with po.open("rb") as file:
            catalog = read_po(file)
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        # Several workers start at once: each writes its own file and renames it into place,
        # so none ever reads a half-written catalog.
        handle, temporary = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as file:
            write_mo(file, catalog)
        os.replace(temporary, mo)
