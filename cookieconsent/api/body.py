"""Reading a JSON body strictly: size, encoding, syntax, then the schema."""

from __future__ import annotations

import json

from flask import request
from marshmallow import Schema

from ..errors import APIError

#: ``text/plain`` lets the banner send a CORS simple request (no preflight) and use
#: ``navigator.sendBeacon``; the body is JSON all the same.
ACCEPTED_TYPES = {"application/json", "text/plain", ""}


def load(schema: Schema) -> dict:
    """The request body, validated by ``schema``; a 4xx naming the field otherwise."""
    if request.mimetype not in ACCEPTED_TYPES:
        raise APIError(415, "Send JSON.", {"body": "Content-Type must be application/json."})
    # At most blueprint.MAX_BODY bytes, or a 413 (see inbound.py).
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise APIError(400, "Body is not valid UTF-8.", {"body": "Not valid UTF-8."}) from None
    except (ValueError, RecursionError):
        raise APIError(400, "Body is not valid JSON.", {"body": "Not valid JSON."}) from None
    if not isinstance(data, dict):
        raise APIError(400, "Body must be a JSON object.", {"body": "Expected an object."})
    return schema.load(data)
