"""The signature of a webhook delivery, shared by the sender and ``client.verify_webhook``.

``Cookieconsent-Signature: t=<unix seconds>,v1=<hex>``, where the hex is HMAC-SHA256 under the
endpoint's secret (its UTF-8 bytes) of ``<t>.`` followed by the exact bytes of the body.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Cookieconsent-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def parse_header(value: str) -> tuple[int, list[str]]:
    """``(timestamp, [v1 signatures])``; ValueError when the header is not of that form."""
    timestamp, signatures = None, []
    for part in (value or "").split(","):
        name, _, item = part.strip().partition("=")
        if name == "t" and item.isdigit():
            timestamp = int(item)
        elif name == "v1" and item:
            signatures.append(item)
    if timestamp is None or not signatures:
        raise ValueError("expected t=<unix seconds>,v1=<hex>")
    return timestamp, signatures
