"""Tamper evidence over the consent log: the seals.

Three layers, so that no writer ever waits for another:

* **Seals** (here). Every event is sealed when it is appended: an HMAC-SHA256, under a key
  from the ledger keyring (:mod:`cookieconsent.ledger.keys`, kept outside the database), over
  the row's canonical form. The canonical form holds a salted digest of the erasable personal
  data instead of the data itself, so erasure leaves the seal valid. A changed or forged row
  fails its seal; a copied row repeats another row's seal.
* **Places in a history** (:mod:`cookieconsent.ledger.history`). A row sealed in format 2
  also seals the id of the event of its consent that it follows, so a history that was
  reordered or cut is named too; rows of earlier releases keep their format-1 seals.
* **Checkpoints** (:mod:`cookieconsent.ledger.checkpoints`): signed Merkle roots over the
  rows, so that a deleted row is missing from a signed list.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask, current_app

from ..models import ConsentEvent
from ..models.consent import ERASABLE
from . import history
from .keys import Keyring, LedgerKey
from .proofcheck import SEAL_CONTEXT, canonical, pii_digest

#: The columns a seal covers, in format 1; format 2 adds ``previous_event_id``. Erasable data
#: enters as ``pii_digest``; ``purge_after`` and ``erased_at`` are housekeeping that retention
#: may set later.
SEALED = (
    "consent_id",
    "kind",
    "event_type",
    "action",
    "method",
    "created_at",
    "choices",
    "services",
    "revision",
    "policy_version_id",
    "language",
    "policy_sha256",
    "gpc",
    "previous_consent_id",
    "form_id",
    "expires_at",
)
#: Columns a seal covers only when they hold a value: ``app_id`` of a decision an app reported,
#: ``texts_sha256`` of the banner's words shown (rows from before either keep their seals).
SEALED_WHEN_SET = ("app_id", "texts_sha256")


def init_app(app: Flask) -> None:
    """Open the keyring; the lazy checkpoints' settings and state live beside it."""
    app.config.setdefault("LEDGER_CHECKPOINT_DUE_ROWS", 1000)
    app.config.setdefault("LEDGER_CHECKPOINT_ROWS", 5000)
    path = app.config.get("LEDGER_KEYS") or f"{app.instance_path}/ledger_keys.json"
    app.extensions["cookieconsent.ledger"] = _State(Keyring(path))


@dataclass
class _State:
    keyring: Keyring
    last_attempt: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


def keyring() -> Keyring:
    return current_app.extensions["cookieconsent.ledger"].keyring


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def record(event: ConsentEvent, site_key: str) -> dict:
    """The canonical form of ``event`` that its seal and its Merkle leaf cover."""
    version = event.seal_version or 1
    data: dict = {"v": version, "site": site_key, "pii_digest": event.pii_digest}
    for name in SEALED:
        value = getattr(event, name)
        data[name] = _iso(value) if isinstance(value, datetime) else value
    if version >= history.CHAINED:
        data["previous_event_id"] = event.previous_event_id
    # Added after format version 1: only where set, so that earlier rows keep their seals.
    for name in SEALED_WHEN_SET:
        if getattr(event, name, None) is not None:
            data[name] = getattr(event, name)
    return data


def personal_data(event: ConsentEvent) -> dict:
    return {name: getattr(event, name) for name in ERASABLE}


def pii_salt(key: LedgerKey, event: ConsentEvent) -> bytes:
    """A salt of one row: without the ledger key, an erased digest cannot be guessed back."""
    who = canonical([event.consent_id, _iso(event.created_at), event.event_type])
    return hmac.new(key.pii_key, who, hashlib.sha256).digest()


def _seal_value(key: LedgerKey, canonical_record: bytes) -> str:
    return hmac.new(key.seal_key, SEAL_CONTEXT + canonical_record, hashlib.sha256).hexdigest()


def _fill_defaults(event: ConsentEvent) -> None:
    # The seal must cover the values the INSERT will store, so apply column defaults first.
    for column in ConsentEvent.__table__.columns:
        if column.default is None or getattr(event, column.key) is not None:
            continue
        default = column.default
        setattr(event, column.key, default.arg(None) if default.is_callable else default.arg)


def seal(event: ConsentEvent, site_key: str) -> ConsentEvent:
    """Seal a new event of the site ``site_key`` before it is inserted (``consents.append``).

    Set ``previous_event_id`` first when the event follows another of its consent.
    """
    _fill_defaults(event)
    event.seal_version = history.CHAINED
    key = keyring().current
    event.pii_digest = pii_digest(pii_salt(key, event), personal_data(event))
    event.seal_key = key.id
    event.seal = _seal_value(key, canonical(record(event, site_key)))
    return event


def _is_empty(value) -> bool:
    return value is None or value == "" or value == []


def check(event, site_key: str, ring: Keyring, canonical_record: bytes | None = None):
    """What is wrong with one row (a message), or None if its seal holds."""
    if not event.seal or not event.seal_key:
        return "not sealed: written outside the ledger, or its seal was removed"
    key = ring.get(event.seal_key)
    if key is None:
        return f"sealed with key {event.seal_key!r}, which the keyring does not hold"
    if event.erased_at is not None:
        kept = [name for name, value in personal_data(event).items() if not _is_empty(value)]
        if kept:
            return f"marked erased but still holds {', '.join(kept)}"
    elif pii_digest(pii_salt(key, event), personal_data(event)) != event.pii_digest:
        return f"personal data ({', '.join(ERASABLE)}) changed since it was sealed"
    if canonical_record is None:
        canonical_record = canonical(record(event, site_key))
    if not hmac.compare_digest(_seal_value(key, canonical_record), event.seal):
        return "changed since it was sealed: the seal does not match its fields"
    return None
