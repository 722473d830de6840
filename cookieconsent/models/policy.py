"""Policy versions: the exact texts a visitor was shown, immutable once published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

#: ``cookie`` is the cookie policy the banner links; ``personal_data`` is the consent
#: document of feedback forms.
POLICY_KINDS = ("cookie", "personal_data")


class PolicyVersion(db.Model):
    __table_args__ = (UniqueConstraint("site_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="cookie")
    number: Mapped[int] = mapped_column(Integer)
    #: The site's revision while this version is in force; a significant version raises it.
    revision: Mapped[int] = mapped_column(Integer)
    significant: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What changed, per language, shown when visitors are asked again.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Structured content (operator, BIN, data, purposes...) of a personal-data consent.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The site's own name for the version, e.g. its date "13.03.2024", shown beside the number.
    label: Mapped[str | None] = mapped_column(String(64))
    #: Set for an earlier version imported as history: it was in force on the site before it
    #: came here (from ``effective_at``), is never in force here and no consent names it.
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    texts: Mapped[list[PolicyText]] = relationship(
        back_populates="version", order_by="PolicyText.language", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_imported(self) -> bool:
        return self.imported_at is not None

    def text_for(self, language: str) -> PolicyText | None:
        return next((t for t in self.texts if t.language == language), None)


class PolicyText(db.Model):
    __table_args__ = (UniqueConstraint("version_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("policy_version.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(300), default="")
    #: The text itself, or None where the site hosts it at ``url``.
    body: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    #: SHA-256 of the exact text shown (the body, or the document fetched from ``url``).
    sha256: Mapped[str] = mapped_column(String(64))

    version: Mapped[PolicyVersion] = relationship(back_populates="texts")


class ImmutableError(RuntimeError):
    """A published policy version was about to change."""


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, PolicyVersion):
            version = obj
        elif isinstance(obj, PolicyText):
            version = obj.version
        else:
            continue
        if version is None or not _was_published(version):
            continue
        if obj in session.deleted or session.is_modified(obj):
            raise ImmutableError(f"policy version {version.number} is published and cannot change")


def _was_published(version: PolicyVersion) -> bool:
    history = inspect(version).attrs.published_at.history
    before = history.deleted or history.unchanged
    return bool(before) and before[0] is not None
