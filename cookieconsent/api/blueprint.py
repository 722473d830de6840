"""The API's blueprint, apart from its views so that they can import it."""

from flask import Blueprint

from ..ratelimit import limit_posts

bp = Blueprint("api", __name__, url_prefix="/api/v1")
limit_posts(bp)  # every POST of the API, per client network
