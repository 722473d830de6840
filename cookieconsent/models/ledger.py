"""Signed checkpoints of the consent log (see ``cookieconsent.ledger``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class LedgerCheckpoint(db.Model):
    """A Merkle root over a batch of consent events, signed with the ledger's Ed25519 key.

    Checkpoints form a chain (each payload names the hash of the one before), so a removed
    checkpoint is noticed too. ``payload`` is the exact signed text; the other columns repeat
    parts of it for queries.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1, 2, 3... unique: two processes that checkpoint at once cannot both write number n.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    #: The highest event id covered; the next checkpoint covers what comes after.
    to_id: Mapped[int] = mapped_column(Integer, index=True)
    #: The lowest event id covered (late commits below the previous ``to_id`` included).
    low_id: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    key_id: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    #: Ed25519 signature over ``payload``, base64url.
    signature: Mapped[str] = mapped_column(String(128))
    #: SHA-256 of ``payload``: what the next checkpoint names as ``prev``.
    digest: Mapped[str] = mapped_column(String(64))
