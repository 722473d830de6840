"""A record of every retention purge, so an operator can show when data was removed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class PurgeRun(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The moment the run compared retention dates against.
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime)
    #: ``running``, ``done`` or ``failed``.
    status: Mapped[str] = mapped_column(String(16), default="running")
    #: Events whose personal data this run erased, by kind.
    erased_cookie: Mapped[int] = mapped_column(Integer, default=0)
    erased_form: Mapped[int] = mapped_column(Integer, default=0)
    #: ``{site_key: {"cookie": n, "form": n}}`` for the sites that had something due.
    by_site: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Who started it: ``cli``, ``console`` or ``test``.
    trigger: Mapped[str] = mapped_column(String(16), default="cli")
    error: Mapped[str | None] = mapped_column(String(500))

    @property
    def erased(self) -> int:
        return self.erased_cookie + self.erased_form
