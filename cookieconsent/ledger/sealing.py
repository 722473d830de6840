"""Tamper evidence over the consent log.

Two layers, so that no writer ever waits for another:

* **Seals.** Every event is sealed when it is appended: an HMAC-SHA256, under a key from the
  ledger keyring (:mod:`cookieconsent.ledger_keys`, kept outside the database), over the row's
  canonical form. The canonical form holds a salted digest of the erasable personal data
  instead of the data itself, so erasure leaves the seal valid. A changed or forged row fails
  its seal; a copied row repeats another row's seal.
* **Checkpoints.** Now and then (lazily after a commit, or ``flask ledger checkpoint`` from
  cron) the rows written since the last checkpoint are hashed into a Merkle tree, and the root,
  the ids it covers and the hash of the previous checkpoint are signed with Ed25519. A deleted
  row is then missing from a signed list; a third party can check one record's inclusion
  offline with the public key (see :func:`cookieconsent.ledger.audit.proof_bundle` and
  :mod:`cookieconsent.ledger.proofcheck`).

Writers only insert their own row. Checkpoints never lock the log: a row that commits late,
below the last checkpoint, is picked up by the next one (see :func:`_stragglers`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import ConsentEvent, LedgerCheckpoint, Site
from ..models.consent import ERASABLE
from . import merkle
from .keys import Keyring, LedgerKey, b64
from .proofcheck import SEAL_CONTEXT, canonical, leaf_hash, pii_digest

log = logging.getLogger(__name__)

#: The columns a seal covers, in format version 1. Erasable data enters as ``pii_digest``;
#: ``purge_after`` and ``erased_at`` are housekeeping that retention may set later.
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
#: Columns a seal covers only when they hold a value: ``app_id`` of a decision an app reported.
SEALED_WHEN_SET = ("app_id",)
#: How far below the last checkpoint a late commit is still looked for.
STRAGGLER_WINDOW = 10_000


def init_app(app: Flask) -> None:
    """Open the keyring and checkpoint lazily after commits that appended events."""
    app.config.setdefault("LEDGER_CHECKPOINT_SECONDS", 600.0)
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


# --- Sealing --------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def record(event: ConsentEvent, site_key: str) -> dict:
    """The canonical form of ``event`` that its seal and its Merkle leaf cover."""
    data: dict = {"v": 1, "site": site_key, "pii_digest": event.pii_digest}
    for name in SEALED:
        value = getattr(event, name)
        data[name] = _iso(value) if isinstance(value, datetime) else value
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
    """Seal a new event of the site ``site_key`` before it is inserted (``consents.append``)."""
    _fill_defaults(event)
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


# --- Checkpoints ----------------------------------------------------------------------------


def _runs(ids: list[int]) -> list[list[int]]:
    """[1, 2, 3, 7, 8] -> [[1, 3], [7, 8]]: how a checkpoint lists the ids it covers."""
    runs: list[list[int]] = []
    for i in ids:
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _site_keys(session) -> dict[int, str]:
    return dict(session.execute(select(Site.id, Site.key)).all())


def _covered_ids(session, above: int) -> set[int]:
    covered: set[int] = set()
    for payload in session.scalars(
        select(LedgerCheckpoint.payload).where(LedgerCheckpoint.to_id > above)
    ):
        for lo, hi in json.loads(payload)["ids"]:
            covered.update(range(max(lo, above + 1), hi + 1))
    return covered


def _stragglers(session, prev_to: int) -> list[int]:
    """Rows below the last checkpoint that committed after it was taken."""
    low = max(0, prev_to - STRAGGLER_WINDOW)
    ids = session.scalars(
        select(ConsentEvent.id).where(ConsentEvent.id > low, ConsentEvent.id <= prev_to)
    ).all()
    covered = _covered_ids(session, low)
    return [i for i in ids if i not in covered]


def checkpoint(session: Session | None = None, max_rows: int | None = None):
    """Sign one checkpoint over the rows not yet covered; None if there is nothing to do.

    Commits on ``session`` (a fresh one by default). Two processes may race: the checkpoint
    number is unique, so the loser rolls back and returns None.
    """
    own = session is None
    session = session or Session(db.engine, expire_on_commit=False)
    max_rows = max_rows or current_app.config["LEDGER_CHECKPOINT_ROWS"]
    ring = keyring()
    try:
        last = session.scalars(
            select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq.desc()).limit(1)
        ).first()
        prev_to = last.to_id if last else 0
        late = _stragglers(session, prev_to) if last else []
        # Plain rows, not ORM objects: check() and record() only read attributes.
        events = ConsentEvent.__table__
        rows = (
            list(session.execute(select(events).where(events.c.id.in_(late)).order_by(events.c.id)))
            if late
            else []
        )
        fresh = list(
            session.execute(
                select(events).where(events.c.id > prev_to).order_by(events.c.id).limit(max_rows)
            )
        )
        if not rows and not fresh:
            return None
        sites = _site_keys(session)
        leaves, ids = [], []
        for row in rows + fresh:
            data = canonical(record(row, sites.get(row.site_id, "")))
            problem = check(row, sites.get(row.site_id, ""), ring, data)
            if problem:
                # Never vouch for a row that fails its seal; `ledger verify` names it.
                log.warning("ledger: row %s left out of the checkpoint: %s", row.id, problem)
                continue
            ids.append(row.id)
            leaves.append(leaf_hash(row.id, {}, data))
        to_id = fresh[-1].id if fresh else prev_to
        if not ids and to_id == prev_to:
            return None  # only rows that fail their seal: nothing to vouch for
        key = ring.current
        payload = canonical(
            {
                "v": 1,
                "seq": (last.seq + 1) if last else 1,
                "prev": last.digest if last else None,
                "created_at": _iso(datetime.now(UTC)),
                "key": key.id,
                "to_id": to_id,
                "ids": _runs(ids),
                "count": len(ids),
                "root": merkle.root(leaves).hex(),
            }
        ).decode()
        signed = LedgerCheckpoint(
            seq=(last.seq + 1) if last else 1,
            to_id=to_id,
            low_id=ids[0] if ids else to_id,
            count=len(ids),
            key_id=key.id,
            payload=payload,
            signature=b64(key.signing_key.sign(payload.encode())),
            digest=hashlib.sha256(payload.encode()).hexdigest(),
        )
        session.add(signed)
        session.commit()
        return signed
    except IntegrityError:
        session.rollback()
        return None
    finally:
        if own:
            session.close()


def checkpoint_all(session: Session | None = None) -> list:
    """Checkpoint until every sealed row is covered; the new checkpoints."""
    made = []
    while (made_one := checkpoint(session)) is not None:
        made.append(made_one)
    return made


def _due(session: Session, max_age: float) -> bool:
    """Whether enough rows wait, or the oldest has waited long enough, for a checkpoint."""
    last = latest_checkpoint(session)
    waiting, oldest = session.execute(
        select(func.count(ConsentEvent.id), func.min(ConsentEvent.created_at)).where(
            ConsentEvent.id > (last.to_id if last else 0)
        )
    ).one()
    if not waiting:
        return False
    if waiting >= current_app.config["LEDGER_CHECKPOINT_DUE_ROWS"]:
        return True
    return oldest is None or (datetime.now(UTC) - oldest).total_seconds() >= max_age


def maybe_checkpoint() -> None:
    """After a commit that appended events: checkpoint if rows have waited long enough.

    Each process looks at most every ``min(10 s, LEDGER_CHECKPOINT_SECONDS)``; a checkpoint is
    signed once ``LEDGER_CHECKPOINT_DUE_ROWS`` rows wait or the oldest waited
    ``LEDGER_CHECKPOINT_SECONDS``. So a quiet site gets few, larger checkpoints, not one per
    consent, and ``ledger verify`` stays small in memory.
    """
    state = current_app.extensions.get("cookieconsent.ledger")
    max_age = current_app.config["LEDGER_CHECKPOINT_SECONDS"]
    if state is None or not max_age or time.monotonic() - state.last_attempt < min(10, max_age):
        return
    if not state.lock.acquire(blocking=False):
        return
    try:
        state.last_attempt = time.monotonic()
        # Runs after the request's commit: its session is done, so this uses its own.
        with Session(db.engine, expire_on_commit=False) as session:
            if _due(session, max_age):
                checkpoint(session)
    except Exception:  # a failed checkpoint must never fail the visitor's request
        log.exception("ledger: lazy checkpoint failed; `flask ledger checkpoint` will retry")
    finally:
        state.lock.release()


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop("ledger_appended", False):
        try:
            current_app._get_current_object()
        except RuntimeError:
            return
        maybe_checkpoint()


def mark_appended() -> None:
    """Remember that this transaction appended events, for the lazy checkpoint."""
    db.session.info["ledger_appended"] = True


def latest_checkpoint(session=None) -> LedgerCheckpoint | None:
    """The newest checkpoint, or None before the first."""
    session = session or db.session
    return session.scalars(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq.desc()).limit(1)
    ).first()

