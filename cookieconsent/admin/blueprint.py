"""The console's blueprint, apart from its views so that they can import it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
