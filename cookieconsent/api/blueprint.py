"""The API's blueprint, apart from its views so that they can import it."""

from flask import Blueprint, request

from ..ratelimit import limit_posts

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Every POST of the API, per client network; the banner's decisions far more loosely, since
# many visitors share one address behind a mobile carrier's NAT.
limit_posts(
    bp,
    {"api.record_consent": "CONSENT_RATE_LIMIT", "api.withdraw_consent": "CONSENT_RATE_LIMIT"},
)

#: The most an API request may send, in bytes: the largest valid body is a tenth of it.
MAX_BODY = 16 * 1024


@bp.before_request
def bounded_body():
    # Read by inbound.Request: no more than this is ever read from the socket.
    request.max_content_length = MAX_BODY
