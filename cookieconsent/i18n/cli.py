"""``flask translate``: extract and update the catalogs with Babel's Python API.

The server compiles them itself at start (``catalogs.py``): there is no compile step.
"""

from __future__ import annotations

from flask.cli import AppGroup

from ..config import ROOT

translate_cli = AppGroup("translate", help="Extract and update the catalogs.")


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


def _babel(args: list[str]) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


COMMANDS = (translate_cli,)
