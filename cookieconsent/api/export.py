"""The export API: a site's consent log as CSV or JSON Lines, for a bearer token."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Response, request, stream_with_context
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..accounts import audit, users
from ..errors import APIError, json_error
from ..export import events, formats
from ..extensions import db
from ..models.types import utcnow
from ..sites.registry import get_site
from .blueprint import bp


class Moment(fields.Field):
    """``YYYY-MM-DD`` (a whole UTC day) or an ISO 8601 date-time (UTC if no zone given)."""

    default_error_messages = {"invalid": "Use YYYY-MM-DD or an ISO 8601 date-time."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.make_error("invalid") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ExportQuerySchema(Schema):
    start = Moment(data_key="from", load_default=None)
    end = Moment(data_key="to", load_default=None)
    format = fields.String(load_default="csv", validate=validate.OneOf(sorted(formats.FORMATS)))

    @validates_schema
    def ordered(self, data, **kwargs):
        start, end = _start(data.get("start")), _end(data.get("end"))
        if start and end and start >= end:
            raise ValidationError("Must be after 'from'.", field_name="to")


def _start(value):
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


def _end(value):
    # A date given as "to" includes that whole day.
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC) + timedelta(days=1)
    return value


def _unauthorized(message: str):
    response, status = json_error(401, message, {"Authorization": "Bearer token required."})
    response.status_code = status
    response.headers["WWW-Authenticate"] = 'Bearer realm="cookieconsent"'
    return response


@bp.get("/sites/<key>/consents")
def export_consents(key):
    """Download a site's consent log, streamed.
    ---
    get:
      summary: Export the consent log
      description: >
        Every event of the site in the period, oldest first, as CSV (RFC 4180, a header row;
        lists and objects as JSON) or JSON Lines. `from` is inclusive; `to` is exclusive for a
        date-time and includes the whole day for a date. Needs an API token created in the
        console or with `flask tokens create`.
      parameters:
        - {in: path, name: key, required: true, schema: {type: string}}
        - {in: query, name: from, schema: {type: string}, description: "YYYY-MM-DD or ISO 8601"}
        - {in: query, name: to, schema: {type: string}, description: "YYYY-MM-DD or ISO 8601"}
        - {in: query, name: format, schema: {type: string, enum: [csv, jsonl], default: csv}}
      responses:
        200:
          description: The events, streamed.
          content:
            text/csv: {schema: {type: string}}
            application/x-ndjson: {schema: {type: string}}
        401: {content: {application/json: {schema: ErrorSchema}}}
        403: {content: {application/json: {schema: ErrorSchema}}}
        404: {content: {application/json: {schema: ErrorSchema}}}
        422: {content: {application/json: {schema: ErrorSchema}}}
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("A bearer token is required.")
    record = users.check_token(token.strip())
    if record is None:
        return _unauthorized("The token is unknown or revoked.")
    site = get_site(key)
    if not users.token_may_export(record, site):
        raise APIError(403, "This token may not export this site.", {"site": "Not allowed."})
    query = ExportQuerySchema().load(request.args)
    flt = events.EventFilter(start=_start(query["start"]), end=_end(query["end"]))
    fmt = query["format"]
    record.last_used_at = utcnow()
    audit.record(
        "export",
        site=site,
        target=fmt,
        actor=f"token:{record.name}",
        details={"from": request.args.get("from"), "to": request.args.get("to"), "via": "api"},
    )
    # Commit before streaming: the body is produced after this function returns.
    db.session.commit()
    response = Response(
        stream_with_context(formats.stream(site, flt, fmt)), mimetype=formats.FORMATS[fmt]
    )
    response.headers["Content-Disposition"] = formats.attachment(site, fmt)
    return response
