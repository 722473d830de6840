"""Checking the whole ledger, and exporting one record's proof for a third party."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import ConsentEvent, LedgerCheckpoint
from . import history, merkle, trail
from .checkpoints import (
    MARGIN_SECONDS,
    LedgerError,
    _site_keys,
     checkpoint_all,
    longest_wait,
    signed_payload,
)
from .keys import b64
from .proofcheck import canonical, leaf_hash
from .sealing import _iso, check, keyring, personal_data, pii_salt, record

#: The columns of a checkpoint that repeat its signed payload, by the payload's name.
REPEATED = {"seq": "seq", "to_id": "to_id", "count": "count", "key_id": "key"}


@dataclass
class Problem:
    event_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.event_id}" if self.event_id is not None else "ledger"
        return f"{where}: {self.message}"


@dataclass
class Report:
    rows: int = 0
    erased: int = 0
    checkpoints: int = 0
    covered: int = 0
    pending: int = 0
    last_digest: str | None = None
    problems: list[Problem] = field(default_factory=list)
    #: The audit trail's own report: its entries are not consent rows.
    trail: trail.TrailReport = field(default_factory=trail.TrailReport)

    @property
    def ok(self) -> bool:
        return not self.problems and self.trail.ok

    @property
    def failed_rows(self) -> list[int]:
        return sorted({p.event_id for p in self.problems if p.event_id is not None})


def _signed(checkpoints, ring, report: Report) -> list[tuple[LedgerCheckpoint, dict]]:
    """Each checkpoint with the payload it signed, in the payload's order; name the rest."""
    signed = []
    for cp in checkpoints:
        try:
            payload = signed_payload(cp, ring)
        except LedgerError as error:
            report.problems.append(Problem(None, f"checkpoint {cp.seq}: {error}"))
            continue
        signed.append((cp, payload))
        columns = REPEATED | {"low_id": None, "digest": None}
        for column, name in columns.items():
            if name is not None:
                expected = payload[name]
            elif column == "digest":
                expected = hashlib.sha256(cp.payload.encode()).hexdigest()
            else:
                expected = payload["ids"][0][0] if payload["ids"] else payload["to_id"]
            if getattr(cp, column) != expected:
                report.problems.append(
                    Problem(
                        None,
                        f"checkpoint {payload['seq']}: its {column} column says "
                        f"{getattr(cp, column)}, its signed payload {expected} (edited)",
                    )
                )
    return sorted(signed, key=lambda pair: pair[1]["seq"])


def _check_chain(checkpoints, ring, report: Report):
    """Check each checkpoint's signature and link; its id runs as (lo, hi, seq), its root.

    Only checkpoints whose signature holds count: the rows of the others await one.
    """
    spans, prev, roots = [], None, {}
    for expected_seq, (cp, payload) in enumerate(_signed(checkpoints, ring, report), start=1):
        seq = payload["seq"]
        roots[seq] = payload["root"]
        digest = hashlib.sha256(cp.payload.encode()).hexdigest()
        if seq != expected_seq:
            report.problems.append(Problem(None, f"checkpoint {expected_seq} is missing"))
        if payload.get("prev") != prev:
            report.problems.append(
                Problem(None, f"checkpoint {seq} does not follow the one before it")
            )
        prev = digest
        spans.extend((lo, hi, seq) for lo, hi in payload["ids"])
    report.last_digest = prev
    spans.sort()
    for (_lo1, hi1, s1), (lo2, _hi2, s2) in zip(spans, spans[1:], strict=False):
        if lo2 <= hi1:
            report.problems.append(
                Problem(lo2, f"listed by checkpoints {s1} and {s2}: a checkpoint was forged")
            )
    return spans, roots


def verify(batch: int = 2000) -> Report:
    """Check every row's seal and every checkpoint; name each row that fails."""
    session = db.session
    ring = keyring()
    report = Report()
    checkpoints = session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq)).all()
    report.checkpoints = len(checkpoints)
    # Only each root is kept: a log of many small checkpoints stays small in memory.
    spans, roots = _check_chain(checkpoints, ring, report)
    misplaced = dict(session.execute(history.out_of_place_query()).all())
    now, limit, waited, waiting = datetime.now(UTC), longest_wait(), None, 0
    top: dict[int, int] = {}
    for _lo, hi, seq in spans:
        top[seq] = max(top.get(seq, 0), hi)
    # Checkpoints in the order the id stream completes them.
    closing = sorted((hi, seq) for seq, hi in top.items())
    leaves: dict[int, list[bytes]] = {seq: [] for seq in roots}
    faulty: set[int] = set()
    sites = _site_keys(session)
    position, expected = 0, spans[0][0] if spans else None

    def missing(lo: int, hi: int, seq: int) -> None:
        for event_id in range(lo, hi + 1):
            report.problems.append(Problem(event_id, f"deleted: listed by checkpoint {seq}"))
        faulty.add(seq)

    def finish(up_to: float) -> None:
        while closing and closing[0][0] < up_to:
            _hi, seq = closing.pop(0)
            got = merkle.root(leaves.pop(seq, [])).hex()
            if got != roots.pop(seq, None) and seq not in faulty:
                report.problems.append(
                    Problem(None, f"checkpoint {seq}: its rows do not give its Merkle root")
                )

    # Plain rows, not ORM objects: check() and record() only read attributes, and a million
    # ORM objects cost more than the seals themselves.
    query = (
        select(ConsentEvent.__table__).order_by(ConsentEvent.id).execution_options(yield_per=batch)
    )
    for row in session.execute(query):
        report.rows += 1
        report.erased += row.erased_at is not None
        while position < len(spans) and spans[position][1] < row.id:
            lo, hi, seq = spans[position]
            if expected <= hi:
                missing(max(expected, lo), hi, seq)
            position += 1
            expected = spans[position][0] if position < len(spans) else None
        site_key = sites.get(row.site_id, "")
        data = canonical(record(row, site_key))
        problem = check(row, site_key, ring, data)
        if row.id in misplaced:
            problem = history.message(misplaced[row.id])
        if problem:
            report.problems.append(Problem(row.id, problem))
        if position < len(spans) and spans[position][0] <= row.id:
            lo, hi, seq = spans[position]
            if expected < row.id:
                missing(max(expected, lo), row.id - 1, seq)
            expected = row.id + 1
            report.covered += 1
            if problem:
                faulty.add(seq)
            leaves[seq].append(leaf_hash(row.id, {}, data))
        else:
            # Not in any checkpoint yet: the tail, or a late commit the next one will cover.
            report.pending += 1
            if not problem and (now - row.created_at).total_seconds() > limit:
                waiting += 1
                waited = waited or row
        finish(row.id)
        # Plain rows stay out of the session's identity map, so memory stays flat without
        # expunge_all() (which, on ORM objects, broke yield_per after the first batch).
    while position < len(spans):
        lo, hi, seq = spans[position]
        if expected is not None and expected <= hi:
            missing(max(expected, lo), hi, seq)
        position += 1
        expected = spans[position][0] if position < len(spans) else None
    finish(float("inf"))
    if waited is not None:
        report.problems.append(Problem(waited.id, _overdue(now - waited.created_at, waiting)))
    _duplicates(report)
    report.trail = trail.verify(ring)
    return report


def _overdue(age, rows: int) -> str:
    hours = age.total_seconds() / 3600
    wait = f"{hours:.0f} h" if hours >= 1 else f"{hours * 60:.0f} min"
    return (
        f"waited {wait} without a checkpoint ({rows} such rows, longer than "
        f"LEDGER_CHECKPOINT_SECONDS plus {MARGIN_SECONDS} s): checkpoints have stopped; "
        "run `flask ledger checkpoint` and look at what it says"
    )


def _duplicates(report: Report) -> None:
    seals = (
        select(ConsentEvent.seal)
        .where(ConsentEvent.seal.is_not(None))
        .group_by(ConsentEvent.seal)
        .having(func.count() > 1)
    )
    for seal in db.session.scalars(seals).all():
        ids = db.session.scalars(
            select(ConsentEvent.id).where(ConsentEvent.seal == seal).order_by(ConsentEvent.id)
        ).all()
        for event_id in ids[1:]:
            report.problems.append(Problem(event_id, f"a copy of row {ids[0]} (inserted)"))


def _checkpoint_of(event_id: int) -> LedgerCheckpoint | None:
    candidates = db.session.scalars(
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.to_id >= event_id)
        .order_by(LedgerCheckpoint.seq)
        .limit(50)
    )
    for cp in candidates:
        if any(lo <= event_id <= hi for lo, hi in json.loads(cp.payload)["ids"]):
            return cp
    return None


def _inclusion(cp: LedgerCheckpoint, event_id: int) -> dict | None:
    payload = json.loads(cp.payload)
    ids = [i for lo, hi in payload["ids"] for i in range(lo, hi + 1)]
    rows = {
        row.id: row
        for lo, hi in payload["ids"]
        for row in db.session.scalars(select(ConsentEvent).where(ConsentEvent.id.between(lo, hi)))
    }
    if len(rows) != len(ids):
        return None
    sites = _site_keys(db.session)
    leaves = [leaf_hash(i, record(rows[i], sites[rows[i].site_id])) for i in ids]
    index = ids.index(event_id)
    return {"index": index, "size": len(ids), "path": [h.hex() for h in merkle.path(leaves, index)]}


def ensure_checkpoint(event: ConsentEvent) -> None:
    """Sign a checkpoint (on its own session) if ``event`` awaits one."""
    if _checkpoint_of(event.id) is None:
        try:
            checkpoint_all()
        except LedgerError:
            pass  # the proof says the event is in no checkpoint; `ledger verify` says why


def proof_bundle(
    event: ConsentEvent, make_checkpoint: bool = True, with_inclusion: bool = True
) -> dict:
    """The ledger's part of the proof of ``event``: record, seal, checkpoint and Merkle path.

    If the event is not in a checkpoint yet and ``make_checkpoint`` is set, one is made first.
    ``cookieconsent.consents.proof`` puts one such part per event into a consent's proof.
    """
    if make_checkpoint:
        ensure_checkpoint(event)
    cp = _checkpoint_of(event.id) if with_inclusion else None
    ring = keyring()
    seal_key = ring.get(event.seal_key or "")
    erased = event.erased_at is not None
    bundle = {
        "id": event.id,
        "record": record(event, event.site.key),
        "pii": None if erased else personal_data(event),
        "pii_salt": None if erased or seal_key is None else b64(pii_salt(seal_key, event)),
        "erased_at": _iso(event.erased_at),
        "seal": {"key": event.seal_key, "hmac_sha256": event.seal},
        "checkpoint": None,
        "inclusion": None,
        "key": None,
    }
    if cp is not None:
        payload = json.loads(cp.payload)
        key = ring.get(payload["key"])
        bundle |= {
            "checkpoint": {"seq": cp.seq, "payload": cp.payload, "signature": cp.signature},
            "inclusion": _inclusion(cp, event.id),
            "key": key.public() if key else {"id": payload["key"], "public_key": None},
        }
    return bundle
