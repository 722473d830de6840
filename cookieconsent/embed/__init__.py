"""The embed script a site loads with one ``<script>`` tag."""

from . import preview, views  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
