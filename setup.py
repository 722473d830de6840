"""The build carries the banner, the catalogs (compiled) and the migrations into the package.

They stay at the repository's root (static/, translations/, migrations/), where a checkout
serves and edits them; a wheel holds only the package, so building it copies them in and
compiles the catalogs, which the server then reads as they are (cookieconsent/config.py DATA).
Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithData(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return  # an editable install reads them from the checkout
        package = Path(self.build_lib) / "cookieconsent"
        for name in ("static", "migrations", "translations"):
            # A build/ left by an earlier build must not keep files deleted since.
            shutil.rmtree(package / name, ignore_errors=True)
        shutil.copytree(ROOT / "static", package / "static")
        shutil.copytree(ROOT / "migrations", package / "migrations",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        compile_catalogs(ROOT / "translations", package / "translations")


def compile_catalogs(source: Path, target: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as po_file, mo.open("wb") as mo_file:
            write_mo(mo_file, read_po(po_file))


setup(cmdclass={"build_py": BuildWithData})
