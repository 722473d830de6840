"""The public JSON API: what the banner, the preference page and site backends call."""

from flask import Blueprint

from ..ratelimit import limit_posts

bp = Blueprint("api", __name__, url_prefix="/api/v1")
limit_posts(bp)  # every POST of the API, per client network

from . import cors, export, forms, proofs, views  # noqa: E402,F401
