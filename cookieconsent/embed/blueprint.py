"""The embed blueprint, apart from its views so that they can import it."""

from flask import Blueprint

bp = Blueprint("embed", __name__, url_prefix="/embed")
