"""Form consents: the receipt a feedback form carries to the site's own backend."""

from flask import request
from marshmallow import Schema, ValidationError, fields, validate, validates

from ..config import LANGUAGES
from ..extensions import db
from ..forms import records
from ..network import client_ip, truncate_ip
from ..sites.registry import get_site
from . import body
from .blueprint import bp
from .cors import check_origin
from .schemas import SITE_KEY, StrictSchema, http_url, strict_bool
from .views import _forbidden_origin

FORM_ID = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,63}$", error="Not a form id.")


class SubjectSchema(StrictSchema):
    phone = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    email = fields.String(load_default=None, validate=validate.Length(min=3, max=254))


class FormConsentRequestSchema(StrictSchema):
    site = fields.String(required=True, validate=SITE_KEY)
    form = fields.String(required=True, validate=FORM_ID)
    document_version = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1)
    )
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    url = fields.String(load_default=None, validate=[validate.Length(max=2000), http_url])
    agreed = strict_bool(required=True)
    subject = fields.Nested(SubjectSchema, load_default=dict)

    @validates("agreed")
    def ticked(self, value, **kwargs):
        # The law allows no form consent without the visitor's own tick.
        if value is not True:
            raise ValidationError("The personal-data consent box must be ticked.")


class FormConsentReceiptSchema(Schema):
    consent_id = fields.String(required=True)
    receipt = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    document_version = fields.Integer(required=True)


@bp.post("/form-consents")
def record_form_consent():
    """Record the consent given by ticking a form's personal-data box.
    ---
    post:
      summary: Record a form consent
      description: >-
        The subject's phone and e-mail are stored only as keyed hashes. The answer's receipt
        goes into the form as the hidden field ``consent_receipt``.
      requestBody:
        required: true
        content:
          application/json: {schema: FormConsentRequestSchema}
          text/plain: {schema: FormConsentRequestSchema}
      responses:
        201: {content: {application/json: {schema: FormConsentReceiptSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
        403: {content: {application/json: {schema: ErrorSchema}}}
        404: {content: {application/json: {schema: ErrorSchema}}}
        413: {content: {application/json: {schema: ErrorSchema}}}
        415: {content: {application/json: {schema: ErrorSchema}}}
        422: {content: {application/json: {schema: ErrorSchema}}}
    """
    data = body.load(FormConsentRequestSchema())
    site = get_site(data["site"])
    if not check_origin(site):
        raise _forbidden_origin()
    event, receipt = records.record(
        site, data, ip=truncate_ip(client_ip()), user_agent=request.user_agent.string
    )
    db.session.commit()
    answer = {
        "consent_id": event.consent_id,
        "receipt": receipt,
        "issued_at": event.created_at,
        "document_version": event.policy_version.number,
    }
    return FormConsentReceiptSchema().dump(answer), 201
