"""The public JSON API: what the banner, the preference page and site backends call."""

from . import cors, export, forms, proofs, views  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
