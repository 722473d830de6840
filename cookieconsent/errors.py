"""One JSON error shape for the API: ``{"error": message, "fields": {name: message}}``."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from marshmallow import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import (
    ClientDisconnected,
    HTTPException,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)

from .extensions import db


class APIError(Exception):
    """An error answered as JSON; ``fields`` names the input at fault."""

    def __init__(self, status: int, message: str, fields: dict | None = None, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.extra = extra


def flatten(messages, prefix: str = "") -> dict[str, str]:
    """Turn marshmallow's nested messages into ``{"choices.analytics": "..."}``."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat |= flatten(value, name)
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        flat[prefix or "body"] = " ".join(messages)
    elif isinstance(messages, list):
        for item in messages:
            flat |= flatten(item, prefix)
    else:
        flat[prefix or "body"] = str(messages)
    return flat


def wants_json() -> bool:
    """API and embed routes answer in JSON; the pages for people answer in HTML."""
    return request.path.startswith(("/api/", "/embed/")) or (
        request.accept_mimetypes.best == "application/json"
    )


def json_error(status: int, message: str, fields: dict | None = None, **extra):
    body = {"error": message, "fields": fields or {}} | extra
    return jsonify(body), status


def register(app: Flask) -> None:
    """Answer every error in the shape its audience expects."""

    @app.errorhandler(APIError)
    def api_error(error: APIError):
        db.session.rollback()
        return json_error(error.status, error.message, error.fields, **error.extra)

    @app.errorhandler(ValidationError)
    def validation_error(error: ValidationError):
        db.session.rollback()
        return json_error(422, "Invalid input.", flatten(error.messages))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_error(error):
        # Down, unreachable, locked or out of connections: nothing was committed, so the
        # client may simply retry. Only the error's type is logged: messages can quote values.
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.invalidate()
        current_app.logger.error(
            "database unavailable: %s", type(getattr(error, "orig", None) or error).__name__
        )
        response = _error_response(503, "The database is unavailable; try again shortly.")
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 429:
            from .ratelimit import retry_after

            seconds = retry_after()
            response = _error_response(429, error.description, retry_after=seconds)
            response.headers["Retry-After"] = str(seconds)
            return response
        if isinstance(error, BODY_ERRORS):
            message, field = _body_error(error)
            return _error_response(error.code, message, fields={"body": field})
        response = _error_response(error.code or 500, error.description or error.name)
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response


#: What inbound.py raises about a request body: answered with the field ``body`` at fault.
BODY_ERRORS = (RequestEntityTooLarge, ClientDisconnected, UnsupportedMediaType)


def _body_error(error: HTTPException) -> tuple[str, str]:
    if isinstance(error, RequestEntityTooLarge):
        return "Request body too large.", f"At most {request.max_content_length} bytes."
    if isinstance(error, ClientDisconnected):
        return "The request body ended early or was malformed.", "Incomplete body."
    return "Unsupported body.", error.description or "Unsupported Content-Type."


def _error_response(status: int, message: str, **extra):
    if wants_json():
        response, _ = json_error(status, message, **extra)
        response.status_code = status
        return response
    return app_page(status, message)


def app_page(status: int, message: str):
    response = current_app.make_response(
        (render_template("error.html", status=status, message=message), status)
    )
    return response
