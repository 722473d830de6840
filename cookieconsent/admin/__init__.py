"""The operator console."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import (  # noqa: E402,F401
    auth,
    dashboard,
    exports,
    log,
    operators,
    policies,
    sites,
    subjects,
)
