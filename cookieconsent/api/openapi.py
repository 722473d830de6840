"""The OpenAPI document, generated from the marshmallow schemas and view docstrings."""

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask

from . import schemas


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="cookieconsent",
        version="1",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        servers=[{"url": "/"}],
    )
    for name in ("ErrorSchema",):
        spec.components.schema(name.removesuffix("Schema"), schema=getattr(schemas, name))
    for name, view in app.view_functions.items():
        if name.startswith("api.") and name != "api.openapi" and (view.__doc__ or "").count("---"):
            with app.test_request_context():
                spec.path(view=view, app=app)
    return _answers_of_every_operation(spec.to_dict())


def _answers_of_every_operation(document: dict) -> dict:
    """Any operation may meet a database outage (503); any POST, the rate limit (429)."""
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    retry = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            unavailable = {"description": "Database unavailable.", "headers": retry}
            responses.setdefault("503", unavailable | error)
            if method == "post":
                limited = {"description": "Too many requests.", "headers": retry}
                responses.setdefault("429", limited | error)
    return document
