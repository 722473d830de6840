"""The proof of one consent: every event of it as one versioned JSON document.

The same document is what the console downloads, what the visitor downloads with their
receipt and what ``flask ledger proof`` prints; ``docs/proof-format.md`` describes it and
``docs/proof.schema.json`` is its JSON Schema. ``python -m cookieconsent.proofcheck`` checks it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import SimpleNamespace

from flask import url_for
from sqlalchemy import select

from ..errors import APIError
from ..export.events import plain
from ..extensions import db
from ..ledger import audit, sealing
from ..models import ConsentEvent, PolicyText, Site, SiteKey
from ..models.types import utcnow
from ..sites import policies, wording
from ..sites.registry import signing_secrets
from . import decisions, receipts

FORMAT = "cookieconsent.consent-proof/1"
#: Hex digits of a receipt's SHA-256 that a proof shows in its place.
FINGERPRINT_LENGTH = 12


def check(token: str, consent_id: str) -> tuple[receipts.Receipt, Site]:
    """The receipt and its site, if ``token`` is genuine and belongs to ``consent_id``."""
    try:
        receipt, site = decisions.check_receipt(token)
    except receipts.InvalidReceipt as error:
        raise APIError(422, "Invalid receipt.", {"receipt": error.reason}) from None
    if receipt.consent_id != consent_id:
        raise APIError(422, "Invalid input.", {"receipt": "Belongs to another consent."})
    return receipt, site


def events_of(site: Site, consent_id: str) -> list[ConsentEvent]:
    """Every event of one consent, oldest first."""
    return list(
        db.session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.site_id == site.id, ConsentEvent.consent_id == consent_id)
            .order_by(ConsentEvent.id)
        )
    )


@dataclass
class TextShown:
    text: PolicyText | None
    #: The stored text still hashes to what the event recorded.
    matches: bool


def text_shown(event: ConsentEvent) -> TextShown:
    """The exact policy text the visitor saw, checked against the hash stored with the event."""
    version = event.policy_version
    if version is None:
        return TextShown(None, False)
    text = next((t for t in version.texts if t.sha256 == event.policy_sha256), None)
    text = text or version.text_for(event.language)
    matches = bool(
        text and text.body is not None and policies.sha256(text.body) == event.policy_sha256
    )
    return TextShown(text, matches)


def key_at(site: Site, event: ConsentEvent) -> SiteKey | None:
    """The key that signed receipts when ``event`` was recorded."""
    signing = [
        k
        for k in site.keys
        if k.created_at <= event.created_at
        and (k.retired_at is None or k.retired_at > event.created_at)
    ]
    return signing[-1] if signing else None


def receipt_of(site: Site, event: ConsentEvent) -> str | None:
    """The receipt the server issued for ``event``, re-created with the key of that time.

    Signing is deterministic, so this is the very token the visitor (or the site's backend)
    holds; comparing the two proves the visitor's copy is genuine.
    """
    key = key_at(site, event)
    if key is None:
        return None
    return decisions.sign_event(SimpleNamespace(key=site.key, keys=[key]), event)


def fingerprint(token: str) -> str:
    """What a proof shows of a receipt: enough to match the copy a visitor presents
    (``printf %s RECEIPT | sha256sum``), never the receipt, which would let whoever reads
    the proof withdraw the consent as if they were the visitor."""
    return hashlib.sha256(token.encode()).hexdigest()[:FINGERPRINT_LENGTH]


def receipt_check(site: Site, event: ConsentEvent) -> dict:
    """Whether the event's receipt verifies under the site's keys, and what it proves now."""
    token = receipt_of(site, event)
    if token is None:
        return {"fingerprint": None, "signature": False, "verdict": {"valid": False}}
    try:
        receipts.verify(token, signing_secrets(site))
        signature = True
    except receipts.InvalidReceipt:
        signature = False
    return {
        "fingerprint": fingerprint(token),
        "signature": signature,
        "verdict": decisions.verify(token),
    }


def document(
    site: Site,
    events: list[ConsentEvent],
    make_checkpoint: bool = False,
    *,
    receipt: str | None = None,
    with_ledger: bool = True,
) -> dict:
    """The proof document of one consent's ``events`` (oldest first, at least one).

    ``receipt`` is the visitor's own token, given back only to whoever presented it; the
    operator's document names each receipt by its fingerprint alone. ``make_checkpoint``
    signs a checkpoint first if an event awaits one (the console and the command line may;
    a visitor's request never writes). Without ``with_ledger`` the checkpoints are left out
    (the preferences page's summary): such a document never checks as OK.
    """
    if make_checkpoint:
        audit.ensure_checkpoint(events[-1])
    ring = sealing.keyring()
    return {
        "format": FORMAT,
        "consent_id": events[0].consent_id,
        "kind": events[0].kind,
        "site": {"key": site.key, "name": site.name},
        "generated_at": plain(utcnow()),
        "receipt": receipt,
        "events": [_event(site, event, ring, receipt, with_ledger) for event in events],
        "check_with": "python -m cookieconsent.proofcheck PROOF.json --key=PUBLIC_KEY",
    }


def _event(site: Site, event: ConsentEvent, ring, receipt: str | None, with_ledger) -> dict:
    bundle = audit.proof_bundle(event, make_checkpoint=False, with_inclusion=with_ledger)
    if receipt is not None and event.subject_hashes:
        # A visitor never gets the keyed hashes of a form's subject (they only serve the
        # operator's searches), so the personal data of such an event is not shown to them.
        bundle |= {"pii": None, "pii_salt": None}
    receipt_state = receipt_check(site, event)
    return {
        "id": event.id,
        "type": event.event_type,
        "action": event.action,
        "time": plain(event.created_at),
        "choices": event.choices,
        "services": event.services,
        "revision": event.revision,
        "policy": _policy(site, event),
        "texts": _texts(site, event),
        "method": event.method,
        "url": event.url,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "gpc": event.gpc,
        "previous_consent_id": event.previous_consent_id,
        "form_id": event.form_id,
        "expires_at": plain(event.expires_at),
        "purge_after": plain(event.purge_after),
        "erased_at": plain(event.erased_at),
        "receipt": {
            "fingerprint": receipt_state["fingerprint"],
            "signature_valid": receipt_state["signature"],
        },
        "record": bundle["record"],
        "pii": bundle["pii"],
        "pii_salt": bundle["pii_salt"],
        "seal": bundle["seal"] | {"problem": sealing.check(event, site.key, ring)},
        "checkpoint": bundle["checkpoint"],
        "inclusion": bundle["inclusion"],
        "key": bundle["key"],
    }


def _texts(site: Site, event: ConsentEvent) -> dict | None:
    """The banner's words the visitor saw: the hash the event recorded and the copy kept."""
    if event.texts_sha256 is None:
        return None
    words = wording.stored(site.id, event.texts_sha256)
    return {
        "sha256": event.texts_sha256,
        "matches": words is not None and wording.digest(words) == event.texts_sha256,
        "words": words,
    }


def _policy(site: Site, event: ConsentEvent) -> dict | None:
    version = event.policy_version
    if version is None:
        return None
    # The text shown may be the site's default language when the visitor's was missing:
    # the hash tells which one it was.
    shown = text_shown(event)
    text = shown.text
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
        "effective_at": plain(version.effective_at),
        "language": text.language if text is not None else event.language,
        "sha256": event.policy_sha256,
        "text_sha256": text.sha256 if text is not None else None,
        "matches": shown.matches,
        "title": text.title if text is not None else None,
        "body": text.body if text is not None else None,
        "text_url": text_url,
    }
