"""Tamper evidence over the audit trail: each entry sealed and chained to the one before.

An entry's seal is an HMAC-SHA256, under the ledger key's audit key (derived for this purpose
only, see :mod:`cookieconsent.ledger.keys`), over its canonical form: its own id, when, who,
what, on which site and what to, the details, and the id and seal of the sealed entry it
follows. So an edited entry fails its seal, a forged one cannot be sealed without the keyring,
and a deleted, inserted or reordered one breaks the chain where it happened.

Entries written before sealing began have no seal; the chain starts after them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from ..extensions import db
from ..models import AuditEntry
from .keys import Keyring
from .proofcheck import canonical
from .sealing import _iso, keyring

AUDIT_CONTEXT = b"cookieconsent.audit.v1\n"
#: The advisory lock that lets one writer at a time append to the chain on PostgreSQL.
CHAIN_LOCK = 0x617564697432  # "audit2"


def record(entry, previous_seal: str | None) -> dict:
    """The canonical form of one entry that its seal covers."""
    return {
        "v": 1,
        "id": entry.id,
        "created_at": _iso(entry.created_at),
        "actor": entry.actor,
        "action": entry.action,
        "site": entry.site_key,
        "target": entry.target,
        "details": entry.details,
        "previous_id": entry.previous_id,
        "previous_seal": previous_seal,
    }


def _seal_value(key: bytes, entry, previous_seal: str | None) -> str:
    return hmac.new(key, AUDIT_CONTEXT + canonical(record(entry, previous_seal)),
                    hashlib.sha256).hexdigest()


def seal(entry: AuditEntry) -> None:
    """Chain and seal ``entry``, already flushed (it needs its id), in the writer's transaction.

    One writer at a time: on PostgreSQL a transaction-level advisory lock, taken before the
    entry's INSERT so ids follow the order of the chain; on SQLite the INSERT itself took the
    writers' turn (``cookieconsent.sqlite_writers``). The unique ``previous_id`` backs both.
    """
    head = db.session.execute(
        select(AuditEntry.id, AuditEntry.seal)
        .where(AuditEntry.seal.is_not(None), AuditEntry.id < entry.id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    key = keyring().current
    entry.previous_id = head.id if head else None
    entry.seal_key = key.id
    entry.seal = _seal_value(key.audit_key, entry, head.seal if head else None)
    db.session.flush()


def take_turn() -> None:
    """On PostgreSQL, wait until no other transaction is appending to the chain."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})


@dataclass
class TrailReport:
    entries: int = 0
    #: Entries from before sealing began: not covered.
    unsealed: int = 0
    head_id: int | None = None
    head_seal: str | None = None
    #: (entry id, what is wrong with it): the words follow the reader's language, the console's
    #: or, under ``flask ledger verify``, English.
    problems: list[tuple[int, LazyString]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def failed_entries(self) -> list[int]:
        return sorted({entry_id for entry_id, _ in self.problems})


def verify(ring: Keyring | None = None) -> TrailReport:
    """Check every sealed entry's seal and its place in the chain; name each that fails."""
    ring = ring or keyring()
    report = TrailReport()
    seals: dict[int, str] = {}
    previous = None  # the sealed entry before this one, in id order
    entries = db.session.execute(select(AuditEntry.__table__).order_by(AuditEntry.id))
    for entry in entries:
        report.entries += 1
        if entry.seal is None:
            if previous is None:
                report.unsealed += 1
            else:
                report.problems.append((entry.id, _l(
                    "not sealed, yet written after sealing began: inserted, or its seal was "
                    "removed")))
            continue
        problem = _check(entry, previous, seals, ring)
        if problem is not None:
            report.problems.append((entry.id, problem))
        seals[entry.id] = entry.seal
        previous = entry
    if previous is not None:
        report.head_id, report.head_seal = previous.id, previous.seal
    return report


def _check(entry, previous, seals: dict[int, str], ring: Keyring) -> LazyString | None:
    expected = previous.id if previous is not None else None
    if entry.previous_id != expected:
        if entry.previous_id is None:
            return _l("starts a chain of its own after entry %(previous)d: inserted, or the "
                      "entries before it were reordered", previous=expected)
        if entry.previous_id not in seals:
            return _l("follows entry %(previous)d, which is missing or comes later: deleted, "
                      "or the entries were reordered", previous=entry.previous_id)
        return _l("follows entry %(previous)d, but entry %(expected)d comes between: "
                  "inserted or reordered", previous=entry.previous_id, expected=expected)
    key = ring.get(entry.seal_key or "")
    if key is None:
        return _l("sealed with key '%(key)s', which the keyring does not hold",
                  key=entry.seal_key)
    actual = _seal_value(key.audit_key, entry, seals.get(entry.previous_id))
    if not hmac.compare_digest(actual, entry.seal):
        return _l("changed since it was sealed: the seal does not match its fields")
    return None
