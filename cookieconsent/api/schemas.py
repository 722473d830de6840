"""Everything that crosses the wire, as marshmallow schemas."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from ..config import LANGUAGES
from ..models.consent import ACTIONS

HEX_ID = validate.Regexp(r"^[0-9a-f]{32}$", error="Not a consent id.")
SITE_KEY = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$", error="Not a site key.")


class StrictBoolean(fields.Boolean):
    """A JSON boolean: ``"yes"``, ``1`` and friends are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise self.make_error("invalid", input=value)
        return value


strict_bool = StrictBoolean


#: NUL, which PostgreSQL refuses in text, and lone surrogates, which no engine can encode.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class StrictSchema(Schema):
    """A request body: unknown fields refused, and text no database can store."""

    class Meta:
        unknown = RAISE

    @pre_load
    def storable_text(self, data, **kwargs):
        # Nested schemas check their own values; a bad field name is reported by its name.
        if isinstance(data, dict):
            bad = {
                name: "Holds a character that cannot be stored (NUL or a lone surrogate)."
                for name, value in data.items()
                if UNSTORABLE.search(name) or (isinstance(value, str) and UNSTORABLE.search(value))
            }
            if bad:
                raise ValidationError(bad)
        return data


def http_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationError("Must be an http or https URL.")


#: A custom scheme an app registers (``aina://home``); never one a browser would run.
APP_SCHEME = validate.Regexp(r"^[a-z][a-z0-9+.-]{1,31}://", error="Not an app URL.")
BROWSER_SCHEMES = {"javascript", "data", "file", "blob", "vbscript", "about"}
#: A bundle id (``kz.aina.shop``) or an Android package name (``kz.aina.shop``).
APP_ID = validate.Regexp(
    r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$", error="Not a bundle id or package name."
)


def check_url(data: dict) -> None:
    """http(s) URLs for every method; an app's own scheme only with ``method: app``."""
    url = data.get("url")
    if url is None:
        return
    try:
        http_url(url)
    except ValidationError:
        scheme = urlsplit(url).scheme
        if data.get("method") != "app":
            raise ValidationError("Must be an http or https URL.", "url") from None
        if scheme in BROWSER_SCHEMES:
            raise ValidationError("Not an app URL.", "url") from None
        try:
            APP_SCHEME(url)
        except ValidationError as error:
            raise ValidationError(error.messages, "url") from None


class AppSubjectSchema(StrictSchema):
    """Who the app's user is, if the app knows: stored only as keyed hashes."""

    account = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    phone = fields.String(load_default=None, validate=validate.Length(max=40))
    email = fields.String(load_default=None, validate=validate.Length(max=254))


class Choices(fields.Dict):
    """``{category: bool}``: the site's categories are checked against the site, where the
    decision is made (cookieconsent/consents/choices.py); a category left out is not granted."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(), values=strict_bool(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        errors = {
            key: "Not a JSON boolean."
            for key, on in value.items()
            if type(on) is not bool
        }
        if value.get("essential") is False:
            errors["essential"] = "Essential cookies cannot be refused."
        if errors:
            raise ValidationError(errors)
        return dict(value)


class ConsentRequestSchema(StrictSchema):
    site = fields.String(required=True, validate=SITE_KEY)
    revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    choices = Choices(
        required=True,
        metadata={"description": "The site's category keys (GET /sites/{key}/config), each "
                  "true or false; essential is always true; a category left out is not granted."},
    )
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    method = fields.String(
        required=True,
        # api: the site's own code, through window.cookieconsent.accept() or rejectAll().
        validate=validate.OneOf(["banner", "preferences", "preference_page", "app", "api"]),
    )
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS[:3]))
    url = fields.String(load_default=None, validate=validate.Length(max=2000))
    gpc = strict_bool(load_default=False)
    #: The version of the banner's texts shown (``C.texts[language]``): the start of their hash.
    texts = fields.String(
        load_default=None,
        validate=validate.Regexp("^[0-9a-f]{10,64}$", error="Not a texts version."),
    )
    #: The receipt of the decision this one replaces: it proves the earlier consent is the
    #: visitor's own, so that nobody links a consent they do not hold.
    previous_receipt = fields.String(load_default=None, validate=validate.Length(min=1, max=1000))
    #: Optional: the receipt names the consent; when given, it must be the receipt's one.
    previous_consent_id = fields.String(load_default=None, validate=HEX_ID)
    #: With ``method: app``: the app's bundle id or package name, registered for the site.
    app = fields.String(load_default=None, validate=[validate.Length(max=255), APP_ID])
    #: With ``method: app``: an id of the install, stored only as a keyed hash.
    device_id = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    subject = fields.Nested(AppSubjectSchema, load_default=None)

    @validates_schema
    def app_fields_go_with_method_app(self, data, **kwargs):
        app = data.get("method") == "app"
        errors = {}
        if app and not data.get("app"):
            errors["app"] = ["Required with method app."]
        for name in ("app", "device_id", "subject"):
            if not app and data.get(name) is not None:
                errors[name] = ["Only with method app."]
        try:
            check_url(data)
        except ValidationError as error:
            errors |= error.normalized_messages()
        if errors:
            raise ValidationError(errors)


class ConsentReceiptSchema(Schema):
    consent_id = fields.String(required=True)
    receipt = fields.String(required=True)
    revision = fields.Integer(required=True)
    issued_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)


class WithdrawRequestSchema(StrictSchema):
    receipt = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    method = fields.String(
        load_default="preferences",
        validate=validate.OneOf(["banner", "preferences", "preference_page", "app"]),
    )
    url = fields.String(load_default=None, validate=validate.Length(max=2000))

    @validates_schema
    def url_fits_method(self, data, **kwargs):
        check_url(data)


class WithdrawResponseSchema(Schema):
    consent_id = fields.String(required=True)
    receipt = fields.String(required=True)
    withdrawn_at = fields.DateTime(required=True)


class VerifyRequestSchema(StrictSchema):
    receipt = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    phone = fields.String(load_default=None, validate=validate.Length(max=40))
    email = fields.String(load_default=None, validate=validate.Length(max=254))


class VerifyResponseSchema(Schema):
    valid = fields.Boolean(required=True)
    reason = fields.String()
    kind = fields.String()
    consent_id = fields.String()
    site = fields.String()
    revision = fields.Integer(allow_none=True)
    choices = fields.Dict(keys=fields.String(), values=fields.Boolean())
    issued_at = fields.DateTime()
    withdrawn = fields.Boolean()
    form_id = fields.String(allow_none=True)
    policy_version = fields.Integer(allow_none=True)
    #: For a form receipt: the consent document's version in force now.
    policy_version_in_force = fields.Integer(allow_none=True)
    subject_matches = fields.Boolean(allow_none=True)


class PolicyTextSchema(Schema):
    url = fields.String(required=True)
    sha256 = fields.String(required=True)
    title = fields.String()


class PolicySchema(Schema):
    version = fields.Integer(required=True)
    revision = fields.Integer(required=True)
    effective_at = fields.DateTime(required=True)
    significant = fields.Boolean()
    changes = fields.Dict(keys=fields.String(), values=fields.String())
    texts = fields.Dict(keys=fields.String(), values=fields.Nested(PolicyTextSchema))


class ServiceSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    provider = fields.String(allow_none=True)
    cookies = fields.List(fields.String())
    storage_keys = fields.List(fields.String())


class CategorySchema(Schema):
    key = fields.String(required=True)
    locked = fields.Boolean(required=True)


class SiteConfigSchema(Schema):
    site = fields.String(required=True)
    revision = fields.Integer(required=True)
    policy = fields.Nested(PolicySchema, allow_none=True)
    categories = fields.List(fields.Nested(CategorySchema))
    services = fields.List(fields.Nested(ServiceSchema))
    languages = fields.List(fields.String())
    default_language = fields.String()
    consent_lifetime_days = fields.Integer()
    #: When not null, the lifetime in calendar months; the days then do not apply.
    consent_lifetime_months = fields.Integer(allow_none=True)


class ErrorSchema(Schema):
    error = fields.String(required=True)
    current_revision = fields.Integer()
    #: With 429: seconds until the client may try again (also in Retry-After).
    retry_after = fields.Integer()
    field_errors = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields")
