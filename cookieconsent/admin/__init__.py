"""The operator console: the pages operators use in a browser."""

from . import (  # noqa: F401  (each module registers its views on bp)
    auth,
    categories,
    dashboard,
    exports,
    log,
    look,
    operators,
    policies,
    scans,
    sites,
    subjects,
    webhooks,
    wording,
)
from .blueprint import bp

__all__ = ["bp"]
