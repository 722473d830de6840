"""API views: load with a schema, call the domain, dump with a schema."""

import functools

from flask import current_app, jsonify, request, url_for

from ..consents import decisions, group_commit
from ..errors import APIError
from ..extensions import db
from ..models.types import utcnow
from ..network import client_ip, truncate_ip
from ..sites import policies, snapshots
from ..sites.registry import get_site
from . import body
from .blueprint import bp
from .cors import check_origin
from .openapi import build_spec
from .same_origin import answer_with_cookie
from .schemas import (
    ConsentReceiptSchema,
    ConsentRequestSchema,
    SiteConfigSchema,
    VerifyRequestSchema,
    VerifyResponseSchema,
    WithdrawRequestSchema,
    WithdrawResponseSchema,
)


@functools.cache
def _schema(cls):
    """One instance per schema and process: making a marshmallow schema costs more than a
    load or dump with it (6% of the verify path under load went to Schema.__init__)."""
    return cls()


def _forbidden_origin():
    return APIError(
        403, "This origin may not record consent for the site.", {"origin": "Not allowed."}
    )


@bp.get("/sites/<key>/config")
def site_config(key):
    """The site's banner configuration.
    ---
    get:
      summary: Site configuration
      parameters:
        - {in: path, name: key, required: true, schema: {type: string}}
      responses:
        200: {content: {application/json: {schema: SiteConfigSchema}}}
        404: {content: {application/json: {schema: ErrorSchema}}}
    """
    site = get_site(key)
    check_origin(site)
    return _schema(SiteConfigSchema).dump(site_config_data(site))


def site_config_data(site) -> dict:
    """What the banner needs to know about ``site``, shared with the embed script."""
    version = policies.in_force(site)
    policy = None
    if version is not None:
        policy = {
            "version": version.number,
            "revision": policies.revision_of(site, version),
            "effective_at": version.effective_at,
            "significant": version.significant,
            "changes": version.changes,
            "texts": {
                t.language: {
                    "title": t.title,
                    "sha256": t.sha256,
                    "url": t.url
                    or url_for(
                        "preferences.policy_text",
                        key=site.key,
                        number=version.number,
                        language=t.language,
                        _external=True,
                    ),
                }
                for t in version.texts
            },
        }
    return {
        "site": site.key,
        "revision": policies.revision_of(site, version),
        "policy": policy,
        "categories": [{"key": c.key, "locked": c.locked} for c in site.categories],
        "services": site.services,
        "languages": site.languages,
        "default_language": site.default_language,
        "consent_lifetime_days": site.consent_lifetime_days,
        "consent_lifetime_months": site.consent_lifetime_months,
    }


@bp.post("/consents")
def record_consent():
    """Record a visitor's decision.
    ---
    post:
      summary: Record a consent decision
      requestBody:
        required: true
        content:
          application/json: {schema: ConsentRequestSchema}
          text/plain: {schema: ConsentRequestSchema}
      responses:
        201: {content: {application/json: {schema: ConsentReceiptSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
        403: {content: {application/json: {schema: ErrorSchema}}}
        404: {content: {application/json: {schema: ErrorSchema}}}
        409: {content: {application/json: {schema: ErrorSchema}}}
        413: {content: {application/json: {schema: ErrorSchema}}}
        415: {content: {application/json: {schema: ErrorSchema}}}
        422: {content: {application/json: {schema: ErrorSchema}}}
    """
    data = body.load(_schema(ConsentRequestSchema))
    site = snapshots.get(data["site"])
    if not check_origin(site):
        raise _forbidden_origin()
    event, receipt = decisions.decide(
        site, data, ip=truncate_ip(client_ip()), user_agent=request.user_agent.string
    )
    # Read before the commit: afterwards every attribute would be reloaded from the database.
    answer = {
        "consent_id": event.consent_id,
        "receipt": receipt,
        "revision": event.revision,
        "issued_at": event.created_at,
        "expires_at": event.expires_at,
    }
    group_commit.store_decision(event, site)
    response = jsonify(_schema(ConsentReceiptSchema).dump(answer))
    answer_with_cookie(response, site, receipt, answer["expires_at"] - answer["issued_at"])
    return response, 201


@bp.post("/consents/<consent_id>/withdraw")
def withdraw_consent(consent_id):
    """Withdraw a consent, proven by its receipt.
    ---
    post:
      summary: Withdraw a consent
      parameters:
        - {in: path, name: consent_id, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json: {schema: WithdrawRequestSchema}
          text/plain: {schema: WithdrawRequestSchema}
      responses:
        201: {content: {application/json: {schema: WithdrawResponseSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
        403: {content: {application/json: {schema: ErrorSchema}}}
        404: {content: {application/json: {schema: ErrorSchema}}}
        409: {content: {application/json: {schema: ErrorSchema}}}
        413: {content: {application/json: {schema: ErrorSchema}}}
        415: {content: {application/json: {schema: ErrorSchema}}}
        422: {content: {application/json: {schema: ErrorSchema}}}
    """
    data = body.load(_schema(WithdrawRequestSchema))
    try:
        _, site = decisions.check_receipt(data["receipt"])
    except decisions.receipts.InvalidReceipt as error:
        raise APIError(422, "Invalid receipt.", {"receipt": error.reason}) from None
    if not check_origin(site):
        raise _forbidden_origin()
    event, receipt = decisions.withdraw(
        consent_id, data, ip=truncate_ip(client_ip()), user_agent=request.user_agent.string
    )
    answer = {"consent_id": consent_id, "receipt": receipt, "withdrawn_at": event.created_at}
    db.session.commit()
    response = jsonify(_schema(WithdrawResponseSchema).dump(answer))
    # The withdrawal stands for as long as a decision would: until then nobody asks again.
    answer_with_cookie(response, site, receipt, site.lifetime_from(answer["withdrawn_at"]))
    return response, 201


@bp.post("/receipts/verify")
def verify_receipt():
    """Tell whether a receipt is genuine and what it proves.
    ---
    post:
      summary: Verify a receipt
      requestBody:
        required: true
        content:
          application/json: {schema: VerifyRequestSchema}
      responses:
        200: {content: {application/json: {schema: VerifyResponseSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
        413: {content: {application/json: {schema: ErrorSchema}}}
        415: {content: {application/json: {schema: ErrorSchema}}}
        422: {content: {application/json: {schema: ErrorSchema}}}
    """
    data = body.load(_schema(VerifyRequestSchema))
    if not db.session().in_transaction():
        # One read, no transaction: on PostgreSQL that spares the BEGIN and ROLLBACK round
        # trips, which cost more than the query.
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    answer = decisions.verify(data["receipt"], phone=data["phone"], email=data["email"])
    response = jsonify(_schema(VerifyResponseSchema).dump(answer))
    if answer.get("site"):
        # The banner on the site's own pages verifies a receipt sent back to it: allow CORS.
        site = snapshots.get(answer["site"])
        check_origin(site)
        if answer["kind"] == "cookie":
            # A decision brought back from the preference page: the site's cookie for the rest
            # of its term (same-origin mode).
            left = site.lifetime_from(answer["issued_at"]) - (utcnow() - answer["issued_at"])
            answer_with_cookie(response, site, data["receipt"], left)
    return response


@bp.get("/openapi.json")
def openapi():
    """This API's OpenAPI 3 document, generated from the schemas."""
    spec = current_app.extensions.get("cookieconsent.openapi")
    if spec is None:
        spec = current_app.extensions["cookieconsent.openapi"] = build_spec(current_app)
    return jsonify(spec)
