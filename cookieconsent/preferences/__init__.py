"""The visitor's own pages on the consent server."""

from . import documents, pages, views  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
