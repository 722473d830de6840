"""Checkpoints: signed Merkle roots over the consent log.

Now and then (lazily after a commit, or ``flask ledger checkpoint`` from cron) the rows
written since the last checkpoint are hashed into a Merkle tree, and the root, the ids it
covers and the hash of the previous checkpoint are signed with Ed25519. A deleted row is then
missing from a signed list; a third party can check one record's inclusion offline with the
public key (see :func:`cookieconsent.ledger.audit.proof_bundle` and
:mod:`cookieconsent.ledger.proofcheck`).

Only the signed payload says what a checkpoint covers. The table's other columns (``to_id``,
``seq``...) repeat it for queries; an edit of them is named by ``ledger verify`` and never
makes a checkpoint skip rows.

Checkpoints never lock the log: a row that commits late, below the last checkpoint, is picked
up by the next one (see :func:`_stragglers`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import config as settings
from ..extensions import db
from ..models import ConsentEvent, LedgerCheckpoint, Site
from . import history, merkle
from .keys import Keyring, b64, public_key_from, unb64
from .proofcheck import canonical, leaf_hash
from .sealing import _iso, check, keyring, record

log = logging.getLogger(__name__)

#: How far below the last checkpoint a late commit is still looked for.
STRAGGLER_WINDOW = 10_000
#: How much longer than ``LEDGER_CHECKPOINT_SECONDS`` a row may wait for its checkpoint
#: before ``ledger verify`` fails: a cron job every 5 minutes, and the lazy checkpoint that
#: looks at most every 10 s, both fit in it.
MARGIN_SECONDS = 300


class LedgerError(RuntimeError):
    """The ledger cannot be extended safely; ``flask ledger verify`` names what is wrong."""


def longest_wait() -> float:
    """Seconds a row may wait for a checkpoint before ``ledger verify`` fails.

    With lazy checkpoints off (``LEDGER_CHECKPOINT_SECONDS=0``) cron is expected to run at
    least as often as the default interval.
    """
    interval = current_app.config["LEDGER_CHECKPOINT_SECONDS"]
    default = float(settings.BY_NAME["LEDGER_CHECKPOINT_SECONDS"].default)
    return (interval or default) + MARGIN_SECONDS



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


def signed_payload(cp: LedgerCheckpoint, ring: Keyring) -> dict:
    """What ``cp`` says it covers, once its signature holds; else :class:`LedgerError`."""
    try:
        payload = json.loads(cp.payload)
        key = ring.get(payload["key"])
    except (ValueError, TypeError, KeyError):
        raise LedgerError("its payload cannot be read") from None
    if key is None:
        raise LedgerError(f"it is signed with unknown key {payload['key']!r}")
    try:
        public_key_from(key.public_key).verify(unb64(cp.signature), cp.payload.encode())
    except (InvalidSignature, ValueError, TypeError):
        raise LedgerError("its signature does not verify") from None
    return payload


def _latest(session, ring: Keyring) -> tuple[int, dict | None, str | None]:
    """The latest checkpoint's number, signed payload and digest; ``(0, None, None)`` if none.

    Found by the ``seq`` column (an index), but only if the payload signed under it agrees;
    else by reading every payload. A latest checkpoint whose signature fails stops new ones:
    they would vouch for whatever it was changed to.
    """
    last = session.scalars(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq.desc()).limit(1)
    ).first()
    if last is None:
        return 0, None, None
    payload = None
    with_payloads = [last]
    if _seq_of(last) != last.seq:
        with_payloads = session.scalars(select(LedgerCheckpoint)).all()
        last = max(with_payloads, key=lambda cp: _seq_of(cp) or 0)
    try:
        payload = signed_payload(last, ring)
    except LedgerError as error:
        raise LedgerError(
            f"checkpoint {_seq_of(last) or last.seq}: {error}; no checkpoint can follow it"
        ) from None
    return payload["seq"], payload, hashlib.sha256(last.payload.encode()).hexdigest()


def _seq_of(cp: LedgerCheckpoint) -> int | None:
    try:
        return json.loads(cp.payload)["seq"]
    except (ValueError, TypeError, KeyError):
        return None


def _covered_ids(session, above: int) -> set[int]:
    """Ids above ``above`` that signed checkpoints list: the newest ones, read 20 at a time."""
    covered: set[int] = set()
    query = select(LedgerCheckpoint.seq, LedgerCheckpoint.payload).order_by(
        LedgerCheckpoint.seq.desc()
    )
    below = None
    while batch := session.execute(
        (query if below is None else query.where(LedgerCheckpoint.seq < below)).limit(20)
    ).all():
        for seq, text in batch:
            below = seq
            try:
                payload = json.loads(text)
                runs, to_id = payload["ids"], payload["to_id"]
            except (ValueError, TypeError, KeyError):
                continue  # `ledger verify` names it
            # Each checkpoint covers ids up to its to_id, which never goes down.
            if to_id <= above:
                return covered
            for lo, hi in runs:
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
        seq, last, last_digest = _latest(session, ring)
        prev_to = last["to_id"] if last else 0
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
        misplaced = _out_of_place(session, [row.id for row in rows + fresh])
        for row in rows + fresh:
            data = canonical(record(row, sites.get(row.site_id, "")))
            problem = check(row, sites.get(row.site_id, ""), ring, data)
            if row.id in misplaced:
                problem = history.message(row.consent_id)
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
                "seq": seq + 1,
                "prev": last_digest,
                "created_at": _iso(datetime.now(UTC)),
                "key": key.id,
                "to_id": to_id,
                "ids": _runs(ids),
                "count": len(ids),
                "root": merkle.root(leaves).hex(),
            }
        ).decode()
        signed = LedgerCheckpoint(
            seq=seq + 1,
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


def _out_of_place(session, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    events = ConsentEvent.__table__
    query = history.out_of_place_query(events.c.id.between(min(ids), max(ids)))
    return {row.id for row in session.execute(query)}


def checkpoint_all(session: Session | None = None) -> list:
    """Checkpoint until every sealed row is covered; the new checkpoints."""
    made = []
    while (made_one := checkpoint(session)) is not None:
        made.append(made_one)
    return made


def _due(session: Session, max_age: float) -> bool:
    """Whether enough rows wait, or the oldest has waited long enough, for a checkpoint."""
    _seq, last, _digest = _latest(session, keyring())
    waiting, oldest = session.execute(
        select(func.count(ConsentEvent.id), func.min(ConsentEvent.created_at)).where(
            ConsentEvent.id > (last["to_id"] if last else 0)
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
