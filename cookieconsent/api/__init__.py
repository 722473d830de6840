"""The public JSON API: what the banner, the preference page and site backends call."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import cors, views  # noqa: E402,F401
from ..ratelimit import limit_posts  # noqa: E402

limit_posts(bp)  # every POST of the API, also those added later, per client network
from . import proofs  # noqa: E402,F401
from . import forms  # noqa: E402,F401
from . import export  # noqa: E402,F401
