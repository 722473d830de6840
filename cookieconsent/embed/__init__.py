"""The embed script a site loads with one ``<script>`` tag."""

from . import views  # noqa: F401  (it registers on bp)
from .blueprint import bp

__all__ = ["bp"]
