"""The visitor pages' blueprint, apart from its views so that they can import it."""

from flask import Blueprint

bp = Blueprint("preferences", __name__)
