"""The consent log: one append-only row per event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .policy import PolicyVersion
from .site import Site
from .types import UTCDateTime, utcnow

EVENT_TYPES = ("given", "updated", "withdrawn", "expired")
#: ``agree``: a ticked personal-data box on a form.
ACTIONS = ("accept_all", "reject_all", "custom", "withdraw", "agree")
#: ``api``: the site's own code recorded the decision through ``window.cookieconsent``.
METHODS = ("banner", "preferences", "preference_page", "form", "operator", "app", "api")
#: ``cookie`` for a banner decision, ``form`` for a feedback-form consent.
KINDS = ("cookie", "form")
#: The personal data an event holds. Erasure (retention or a subject's request) empties
#: exactly these columns and sets ``erased_at``; everything else stays as proof.
ERASABLE = ("ip", "user_agent", "url", "subject_hashes")


class ConsentEvent(db.Model):
    __table_args__ = (
        Index("ix_consent_event_site_created", "site_id", "created_at"),
        # A consent's events, for verify and withdraw. Without it SQLite (which keeps no
        # statistics) picked the site_id index and read every event of the site.
        Index("ix_consent_event_site_consent", "site_id", "consent_id"),
        Index("ix_consent_event_purge_after", "purge_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[str] = mapped_column(String(32), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="cookie")
    event_type: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: ``{"essential": true, "functional": bool, "analytics": bool}``
    choices: Mapped[dict] = mapped_column(JSON)
    #: Keys of the services the granted categories unlock.
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(Integer)
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_version.id"))
    language: Mapped[str] = mapped_column(String(2))
    #: SHA-256 of the exact policy text shown, in the language shown.
    policy_sha256: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(2000))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    gpc: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_consent_id: Mapped[str | None] = mapped_column(String(32))
    form_id: Mapped[str | None] = mapped_column(String(64))
    #: The bundle id or package name of the app that reported the decision (``method: app``).
    app_id: Mapped[str | None] = mapped_column(String(255))
    #: Keyed hashes (HMAC-SHA256, per-site secret) of the subject's phone, e-mail or account
    #: and of an app's device id.
    subject_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the retention purge removes this proof's personal data.
    purge_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when personal data was erased (retention or a subject's request).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Ledger (see ``cookieconsent.ledger``): a salted digest of the ERASABLE values, so the
    #: seal commits to them and still verifies once they are erased; the id of the ledger key
    #: and the keyed hash (HMAC-SHA256) over the row's canonical form.
    pii_digest: Mapped[str | None] = mapped_column(String(64))
    seal_key: Mapped[str | None] = mapped_column(String(32))
    seal: Mapped[str | None] = mapped_column(String(64))
    #: The seal's format: 1 (rows of earlier releases) or 2, which also covers
    #: ``previous_event_id``.
    seal_version: Mapped[int] = mapped_column(Integer, server_default="1")
    #: The consent's event this one follows (None for its first). Unique: a history has one
    #: line, so of two writers that follow the same event at once, the second is refused.
    previous_event_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    #: SHA-256 of the banner's texts the visitor saw (a ``BannerTexts``); None for decisions
    #: of earlier releases and of other ways than the banner.
    texts_sha256: Mapped[str | None] = mapped_column(String(64))

    site: Mapped[Site] = relationship()
    policy_version: Mapped[PolicyVersion | None] = relationship()

    @property
    def granted(self) -> list[str]:
        return [name for name, on in self.choices.items() if on]
