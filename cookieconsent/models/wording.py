"""The banner's words as a visitor saw them: one stored copy per hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class BannerTexts(db.Model):
    """Every text of the banner in one language, as served: a decision names it by hash."""

    __table_args__ = (UniqueConstraint("site_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    #: SHA-256 of the texts' canonical JSON (sorted keys, no blanks, UTF-8).
    sha256: Mapped[str] = mapped_column(String(64))
    texts: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
