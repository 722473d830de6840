"""Operators of the console, the sites they may see, their API tokens and the audit trail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .site import Site
from .types import UTCDateTime, utcnow

#: ``admin`` may do everything; ``viewer`` may read and export the sites assigned to it.
ROLES = ("admin", "viewer")

operator_site = Table(
    "operator_site",
    db.metadata,
    Column("operator_id", ForeignKey("operator.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


class Operator(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased; what the operator types to log in.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    #: The console's language for this operator (kk, ru or en).
    locale: Mapped[str | None] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Raised by logout, a new password, a new role or sites, switching off: a session
    #: remembers the number it began with and ends once they differ (admin/sessions.py).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    sites: Mapped[list[Site]] = relationship(secondary=operator_site, order_by="Site.key")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def __repr__(self) -> str:
        return f"<Operator {self.email} {self.role}>"


class LoginFailures(db.Model):
    """Recent failed logins to one e-mail address, counted in the database so that every
    worker and host sees the same count. Keyed by a keyed hash of the address typed, known
    or not, so that the throttle does not tell which accounts exist."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    #: The first failure of the current window.
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(db.Model):
    """A bearer token for the export API. Only a hash is stored; the token is shown once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: SHA-256 of the token: tokens are long random strings, so no slow hash is needed.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, so that an operator can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    #: The one site it may export; None means every site.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("operator.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site | None] = relationship()
    created_by: Mapped[Operator | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AuditEntry(db.Model):
    """One operator action: who, what, when, on which site. Never updated or deleted.

    Sealed and chained like the consent log (``cookieconsent.ledger.trail``): entries from
    before sealing began have no seal and are reported as not covered.
    """

    __table_args__ = (Index("ix_audit_entry_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operator.id", ondelete="SET NULL"), index=True
    )
    #: Who acted, kept as text so the entry survives the operator: an e-mail, ``cli`` or
    #: ``token:NAME``.
    actor: Mapped[str] = mapped_column(String(300))
    #: What was done: ``policy.publish``, ``export``, ``consent.withdraw``, ...
    action: Mapped[str] = mapped_column(String(64), index=True)
    site_key: Mapped[str | None] = mapped_column(String(64), index=True)
    #: What it was done to: a consent id, a policy version, an operator...
    target: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The sealed entry this one follows (None for the first sealed entry); unique, so two
    #: writers can never both chain onto the same entry.
    previous_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    #: The ledger key the seal was made with, and the seal (HMAC-SHA256, hex).
    seal_key: Mapped[str | None] = mapped_column(String(64))
    seal: Mapped[str | None] = mapped_column(String(64))


class DailyFigure(db.Model):
    """The dashboard's count of one day's events with the same attributes, kept once the day
    has closed: the log is append-only, so a closed day's figures never change, and the
    dashboard of a month then reads a few hundred of these rows instead of every event.

    A day with no events is kept as one row with ``kind`` ``"-"`` and ``count`` 0, so that it
    is not counted again.
    """

    __table_args__ = (
        UniqueConstraint(
            "site_id", "day", "kind", "event_type", "action", "language", "method", "choices"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    event_type: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    method: Mapped[str] = mapped_column(String(16))
    #: The stored choices, as JSON text: a handful of distinct values.
    choices: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer)
