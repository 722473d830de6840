"""``flask translate``: extract, update and compile the catalogs with Babel's Python API."""

from __future__ import annotations

from flask.cli import AppGroup

from ..config import ROOT

translate_cli = AppGroup("translate", help="Extract, update and compile the catalogs.")


@translate_cli.command("extract")
def extract():
    """Collect the messages of the code and templates into translations/messages.pot."""
    _babel(["extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
            "-k", "lazy_pgettext:1c,2",
            "--no-location", "--sort-output", "-o", str(ROOT / "translations" / "messages.pot"),
            # babel.cfg's patterns are relative to this directory: cookieconsent/**.py.
            str(ROOT)])


@translate_cli.command("update")
def update():
    """Merge messages.pot into the kk, ru and en catalogs."""
    _babel(["update", "-i", str(ROOT / "translations" / "messages.pot"),
            "-d", str(ROOT / "translations"), "--no-fuzzy-matching"])


@translate_cli.command("compile")
def compile_catalogs():
    """Compile the catalogs to .mo files (not committed)."""
    compile_translations()


def compile_translations() -> None:
    """Compile every translations/<lang>/LC_MESSAGES/messages.po next to itself."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po:
            catalog = read_po(po)
        with po_path.with_suffix(".mo").open("wb") as mo:
            write_mo(mo, catalog)


def _babel(args: list[str]) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


COMMANDS = (translate_cli,)
