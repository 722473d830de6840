"""What a proof of one consent holds: its events, the text shown, the receipt check."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import select

from ..consents import decisions, receipts
from ..extensions import db
from ..ledger import audit
from ..models import ConsentEvent, PolicyText, Site, SiteKey
from ..sites import policies
from ..sites.registry import signing_secrets

#: Hex digits of a receipt's SHA-256 that the console shows in its place.
FINGERPRINT_LENGTH = 12


@dataclass
class TextShown:
    text: PolicyText | None
    #: The stored text still hashes to what the event recorded.
    matches: bool


def events_of(site: Site, consent_id: str) -> list[ConsentEvent]:
    """Every event of one consent, oldest first."""
    return list(
        db.session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.site_id == site.id, ConsentEvent.consent_id == consent_id)
            .order_by(ConsentEvent.id)
        )
    )


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
    """What the console shows of a receipt: enough to match the copy a visitor presents
    (``printf %s RECEIPT | sha256sum``), never the receipt, which would let whoever reads
    the proof withdraw the consent as if they were the visitor."""
    return hashlib.sha256(token.encode()).hexdigest()[:FINGERPRINT_LENGTH]


def check(site: Site, event: ConsentEvent) -> dict:
    """Whether the event's receipt verifies under the site's keys, and what it proves now."""
    token = receipt_of(site, event)
    if token is None:
        return {
            "fingerprint": None,
            "signature": False,
            "verdict": {"valid": False, "reason": "no_key"},
        }
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


def ledger_status(event: ConsentEvent, make_checkpoint: bool = False) -> dict | None:
    """The event's seal check and its offline proof bundle, when the ledger is installed."""
    try:
        from ..ledger import sealing
    except ImportError:
        return None
    return {
        "problem": sealing.check(event, event.site.key, sealing.keyring()),
        "bundle": audit.proof_bundle(event, make_checkpoint=make_checkpoint),
    }
