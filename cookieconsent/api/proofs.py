"""The visitor's own proof, for whoever holds the consent's receipt."""

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from ..consents import proof
from ..errors import APIError
from ..extensions import db
from ..models import Site
from . import body
from .blueprint import bp
from .cors import check_origin
from .schemas import StrictSchema, strict_bool


class ProofRequestSchema(StrictSchema):
    receipt = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    #: Add each event's checkpoint and Merkle path: without them the document is a summary
    #: (the preferences page's), which the offline checker never calls OK.
    ledger = strict_bool(load_default=False)


class ProofPolicySchema(Schema):
    kind = fields.String(required=True)
    version = fields.Integer(required=True)
    effective_at = fields.DateTime(required=True)
    language = fields.String(required=True)
    sha256 = fields.String(allow_none=True)
    text_sha256 = fields.String(allow_none=True)
    matches = fields.Boolean(required=True)
    title = fields.String(allow_none=True)
    body = fields.String(allow_none=True)
    text_url = fields.String(allow_none=True)


class ProofEventSchema(Schema):
    """One event of the proof document (docs/proof-format.md, docs/proof.schema.json)."""

    id = fields.Integer(required=True)
    type = fields.String(required=True)
    action = fields.String(required=True)
    time = fields.DateTime(required=True)
    choices = fields.Dict(keys=fields.String(), values=fields.Boolean(), required=True)
    services = fields.List(fields.String(), required=True)
    revision = fields.Integer(required=True)
    policy = fields.Nested(ProofPolicySchema, allow_none=True)
    method = fields.String(required=True)
    url = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    gpc = fields.Boolean()
    previous_consent_id = fields.String(allow_none=True)
    form_id = fields.String(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    purge_after = fields.DateTime(allow_none=True)
    erased_at = fields.DateTime(allow_none=True)
    receipt = fields.Dict(required=True)
    #: The canonical sealed record, its seal, and the ledger's inclusion of it.
    record = fields.Dict(required=True)
    pii = fields.Dict(allow_none=True)
    pii_salt = fields.String(allow_none=True)
    seal = fields.Dict(required=True)
    checkpoint = fields.Dict(allow_none=True)
    inclusion = fields.Dict(allow_none=True)
    key = fields.Dict(allow_none=True)


class ProofSiteSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)


class ProofSchema(Schema):
    format = fields.String(required=True)
    consent_id = fields.String(required=True)
    kind = fields.String(required=True)
    site = fields.Nested(ProofSiteSchema, required=True)
    receipt = fields.String(required=True)
    generated_at = fields.DateTime(required=True)
    events = fields.List(fields.Nested(ProofEventSchema), required=True)
    check_with = fields.String(required=True)


@bp.post("/consents/<consent_id>/proof")
def consent_proof(consent_id):
    """The visitor's own proof: every event of a consent, proven by its receipt.
    ---
    post:
      summary: A visitor's proof of their consent
      parameters:
        - {in: path, name: consent_id, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json: {schema: ProofRequestSchema}
          text/plain: {schema: ProofRequestSchema}
      responses:
        200: {content: {application/json: {schema: ProofSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
        403: {content: {application/json: {schema: ErrorSchema}}}
        404: {content: {application/json: {schema: ErrorSchema}}}
        413: {content: {application/json: {schema: ErrorSchema}}}
        415: {content: {application/json: {schema: ErrorSchema}}}
        422: {content: {application/json: {schema: ErrorSchema}}}
    """
    data = body.load(ProofRequestSchema())
    receipt, site = proof.check(data["receipt"], consent_id)
    if not check_origin(site):
        raise APIError(
            403, "This origin may not read the site's proofs.", {"origin": "Not allowed."}
        )
    # The stored site, not the worker's snapshot: the receipts of past events need its keys'
    # creation and retirement times.
    site = db.session.scalar(select(Site).where(Site.key == site.key))
    events = proof.events_of(site, receipt.consent_id)
    if not events:
        raise APIError(404, "Unknown consent.", {"consent_id": "No such consent."})
    # A visitor's request never writes a checkpoint: the proof names the latest one that
    # covers each event, or none yet (the cron job or the next lazy checkpoint adds it).
    return proof.document(site, events, receipt=data["receipt"], with_ledger=data["ledger"])
