"""Receipts: a consent's key facts, signed under its site's key.

A receipt is what the visitor keeps (in a first-party cookie) and what a site's backend checks
(in a form field). It is a URL-safe itsdangerous token, uncompressed so that the banner can read
its payload without a request, and small enough for a cookie value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from itsdangerous import BadData, BadSignature, URLSafeSerializer
from itsdangerous.encoding import base64_decode, base64_encode

#: One salt per kind of receipt, so that a token of one kind never passes as the other.
SALTS = {"cookie": "cookieconsent.receipt.cookie", "form": "cookieconsent.receipt.form"}
KIND_CODES = {"c": "cookie", "f": "form"}


class _Serializer(URLSafeSerializer):
    def dump_payload(self, obj) -> bytes:
        # Never compress: the banner decodes the payload with atob() and JSON.parse().
        return base64_encode(json.dumps(obj, separators=(",", ":")).encode())


class InvalidReceipt(ValueError):
    """The token is not a receipt this server issued; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Receipt:
    kind: str
    consent_id: str
    site: str
    issued_at: datetime
    revision: int | None = None
    granted: list[str] = field(default_factory=list)
    form_id: str | None = None
    policy_number: int | None = None
    #: The consent this decision replaced, so that the banner can tell its visitor's own.
    previous_consent_id: str | None = None


def sign(receipt: Receipt, secrets: list[str]) -> str:
    """Sign ``receipt`` with the newest of the site's ``secrets`` (oldest first)."""
    payload: dict = {
        "k": receipt.kind[0],
        "i": receipt.consent_id,
        "s": receipt.site,
        "t": int(receipt.issued_at.timestamp()),
    }
    if receipt.kind == "cookie":
        payload |= {"r": receipt.revision, "g": receipt.granted}
        if receipt.previous_consent_id:
            payload["u"] = receipt.previous_consent_id
    else:
        payload |= {"f": receipt.form_id, "p": receipt.policy_number}
    return _Serializer(secrets, salt=SALTS[receipt.kind]).dumps(payload)


def peek_site(token: str) -> str:
    """The site key a receipt claims, read before its signature is checked."""
    try:
        payload = json.loads(base64_decode(token.split(".", 1)[0]))
    except (BadData, ValueError, UnicodeDecodeError):
        raise InvalidReceipt("malformed") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), str):
        raise InvalidReceipt("malformed")
    return payload["s"]


def verify(token: str, secrets: list[str]) -> Receipt:
    """Check ``token`` against every key of its site, retired ones included."""
    try:
        kind = KIND_CODES[json.loads(base64_decode(token.split(".", 1)[0]))["k"]]
    except (BadData, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidReceipt("malformed") from None
    try:
        payload = _Serializer(secrets, salt=SALTS[kind]).loads(token)
    except BadSignature:
        raise InvalidReceipt("bad_signature") from None
    try:
        return Receipt(
            kind=kind,
            consent_id=payload["i"],
            site=payload["s"],
            issued_at=datetime.fromtimestamp(payload["t"], UTC),
            revision=payload.get("r"),
            granted=list(payload.get("g", [])),
            form_id=payload.get("f"),
            policy_number=payload.get("p"),
            previous_consent_id=payload.get("u"),
        )
    except (KeyError, TypeError, ValueError):
        raise InvalidReceipt("malformed") from None
