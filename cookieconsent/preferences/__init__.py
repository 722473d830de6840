"""The visitor's own pages on the consent server."""

from flask import Blueprint

bp = Blueprint("preferences", __name__)

from . import documents, pages, views  # noqa: E402,F401
