"""A visitor's own proof: every event of one consent, shown to whoever holds its receipt."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from ..errors import APIError
from ..extensions import db
from ..ledger import audit
from ..models import ConsentEvent, Site
from ..models.types import utcnow
from . import decisions, receipts


def check(token: str, consent_id: str) -> tuple[receipts.Receipt, Site]:
    """The receipt and its site, if ``token`` is genuine and belongs to ``consent_id``."""
    try:
        receipt, site = decisions.check_receipt(token)
    except receipts.InvalidReceipt as error:
        raise APIError(422, "Invalid receipt.", {"receipt": error.reason}) from None
    if receipt.consent_id != consent_id:
        raise APIError(422, "Invalid input.", {"receipt": "Belongs to another consent."})
    return receipt, site


def visitor_proof(
    site: Site, receipt: receipts.Receipt, token: str, with_ledger: bool = False
) -> dict:
    """Everything the log holds about the receipt's consent, oldest event first.

    The visitor gets their own record back (truncated IP and user agent included), never
    the keyed hashes of a form subject: those only serve the operator's searches. With
    ``with_ledger``, each event carries the ledger's offline proof of it as well.
    """
    events = db.session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.site_id == site.id, ConsentEvent.consent_id == receipt.consent_id)
        .order_by(ConsentEvent.id)
    ).all()
    if not events:
        raise APIError(404, "Unknown consent.", {"consent_id": "No such consent."})
    return {
        "consent_id": receipt.consent_id,
        "kind": receipt.kind,
        "site": {"key": site.key, "name": site.name},
        "receipt": token,
        "generated_at": utcnow(),
        "events": [_event(site, event, with_ledger) for event in events],
    }


def _event(site: Site, event: ConsentEvent, with_ledger: bool) -> dict:
    # A visitor's request never writes a checkpoint: the proof names the latest one that
    # covers the event, or none yet (the cron job or the next lazy checkpoint adds it).
    bundle = audit.proof_bundle(event, make_checkpoint=False) if with_ledger else None
    return {
        "type": event.event_type,
        "action": event.action,
        "time": event.created_at,
        "choices": event.choices,
        "services": event.services,
        "revision": event.revision,
        "policy": _policy(site, event),
        "method": event.method,
        "url": event.url,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "gpc": event.gpc,
        "previous_consent_id": event.previous_consent_id,
        "form_id": event.form_id,
        "expires_at": event.expires_at,
        "erased_at": event.erased_at,
        "ledger": bundle,
    }


def _policy(site: Site, event: ConsentEvent) -> dict | None:
    version = event.policy_version
    if version is None:
        return None
    # The text shown may be the site's default language when the visitor's was missing:
    # the hash tells which one it was.
    text = next((t for t in version.texts if t.sha256 == event.policy_sha256), None)
    if text is not None and text.url:
        text_url = text.url
    elif text is not None and version.kind == "cookie":
        text_url = url_for(
            "preferences.policy_text",
            key=site.key,
            number=version.number,
            language=text.language,
            _external=True,
        )
    else:
        text_url = None
    return {
        "kind": version.kind,
        "version": version.number,
        "effective_at": version.effective_at,
        "language": text.language if text is not None else event.language,
        "sha256": event.policy_sha256,
        "text_url": text_url,
    }
