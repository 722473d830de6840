"""The visitor's own pages on the consent server."""

from flask import Blueprint

bp = Blueprint("preferences", __name__)

from . import pages, views  # noqa: E402,F401
from . import documents  # noqa: E402,F401
