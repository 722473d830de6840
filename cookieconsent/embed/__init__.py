"""The embed script a site loads with one ``<script>`` tag."""

from flask import Blueprint

bp = Blueprint("embed", __name__, url_prefix="/embed")

from . import views  # noqa: E402,F401
