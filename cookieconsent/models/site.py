"""A site that embeds the banner, its signing keys, categories and services."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

#: The categories a new site starts with, in the order the banner shows them; operators add,
#: rename, reorder and remove all but essential (cookieconsent/sites/categories.py).
CATEGORIES = ("essential", "functional", "analytics")


#: Kazakhstan keeps one time zone; sites elsewhere choose theirs.
DEFAULT_TIME_ZONE = "Asia/Almaty"

def consent_cookie_name(key: str, name: str | None = None) -> str:
    """The cookie a site's visitors keep their decision in: ``name``, else ``cc_<key>``."""
    return name or f"cc_{key}"


class Site(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Bundle ids and package names of the site's apps, which may record ``method: "app"``.
    apps: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["kk", "ru", "en"])
    default_language: Mapped[str] = mapped_column(String(2), default="ru")
    consent_lifetime_days: Mapped[int] = mapped_column(Integer, default=365)
    #: When set, the consent lifetime in calendar months (it then wins over the days).
    consent_lifetime_months: Mapped[int | None] = mapped_column(Integer)
    #: The zone the site's pages show times in (the proofs and exports stay in UTC).
    time_zone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE
    )
    #: How long a proof of a cookie decision is kept after the consent expired.
    proof_retention_days: Mapped[int] = mapped_column(Integer, default=3 * 365)
    #: How long a feedback-form consent and its proof are kept.
    form_retention_days: Mapped[int] = mapped_column(Integer, default=3 * 365)
    #: Ids of the site's forms that collect personal data (``data-consent-form="feedback"``).
    forms: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["feedback"])
    metrika_counter_id: Mapped[int | None] = mapped_column(Integer)
    metrika_options: Mapped[dict] = mapped_column(JSON, default=dict)
    google_consent_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``{category_key: [signal, …]}``; a category not in it grants its default signals
    #: (cookieconsent/sites/consent_mode.py).
    consent_mode_signals: Mapped[dict | None] = mapped_column(JSON)
    #: ``wait_for_update`` of Consent Mode's default, in milliseconds; 0 leaves it out.
    consent_mode_wait_ms: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ads_data_redaction: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    url_passthrough: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    gpc_refuses_analytics: Mapped[bool] = mapped_column(Boolean, default=False)
    floating_button: Mapped[bool] = mapped_column(Boolean, default=True)
    cookie_domain: Mapped[str | None] = mapped_column(String(253))
    #: The banner's colours, radius and layout where they differ from the defaults
    #: (cookieconsent/sites/look.py checks them).
    look: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    #: The name of the decision's cookie on the site; None: ``cc_<key>``, so that two sites
    #: on one host keep their own.
    cookie_name: Mapped[str | None] = mapped_column(String(64))
    #: How many days before a scheduled policy version takes effect returning visitors are
    #: told what changes (0: not told).
    announce_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    #: Keys the HMAC of a subject's phone or e-mail (never stored in clear).
    subject_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Raised in the transaction of any change to the site or to what the banner shows of it
    #: (keys, categories, services, policies: cookieconsent/sites/snapshots.py), so that every
    #: process can tell with one indexed read whether what it built from the site still holds.
    #: The operator's own banner words, ``{language: {key: text}}``, over the catalogs' ones
    #: (the keys of ``cookieconsent.sites.wording.LIMITS``).
    wording: Mapped[dict | None] = mapped_column(JSON)
    config_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: How many times adding or removing a category, or giving a service another category or
    #: new storage (cookieconsent/sites/services.py), raised the site's revision: the revision
    #: visitors' decisions must match is the cookie policy's plus this.
    category_changes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    keys: Mapped[list[SiteKey]] = relationship(
        back_populates="site", order_by="SiteKey.id", cascade="all, delete-orphan"
    )
    categories: Mapped[list[Category]] = relationship(
        back_populates="site", order_by="Category.position", cascade="all, delete-orphan"
    )
    services: Mapped[list[Service]] = relationship(
        back_populates="site", order_by="Service.id", cascade="all, delete-orphan"
    )

    @property
    def consent_cookie(self) -> str:
        """The cookie the banner keeps the visitor's receipt in."""
        return consent_cookie_name(self.key, self.cookie_name)

    def __repr__(self) -> str:
        return f"<Site {self.key}>"


class SiteKey(db.Model):
    """A signing key for a site's receipts. Rotation adds one; retired keys still verify."""

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(back_populates="keys")


class Category(db.Model):
    __table_args__ = (UniqueConstraint("site_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: The operator's own ``{language: {"title": …, "description": …}}``; a language or text
    #: left out falls back to the catalogs' words for the well-known keys.
    texts: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    #: Shown even with no service and no gated element found on the site.
    always_show: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())

    site: Mapped[Site] = relationship(back_populates="categories")

    @property
    def locked(self) -> bool:
        """Essential cookies are always on: the site cannot work without them."""
        return self.key == "essential"


class Service(db.Model):
    """A tool on the site (an analytics tag, a video player) and the storage it uses."""

    __table_args__ = (UniqueConstraint("site_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(200))
    #: Cookie names; a trailing ``*`` matches a prefix (``_ym_*``).
    cookies: Mapped[list[str]] = mapped_column(JSON, default=list)
    storage_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: What the visitor reads, per language: ``{"kk": {"name", "provider", "purpose",
    #: "cookies": {pattern: {"purpose", "lifetime"}}}}``. ``name`` and ``provider`` above stay
    #: what was typed, the last fallback.
    texts: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    site: Mapped[Site] = relationship(back_populates="services")

    def in_language(self, language: str, default_language: str) -> dict:
        """The service's texts in ``language``; a missing one comes from the site's default
        language, then from what was typed."""
        texts = self.texts or {}
        chosen, fallback = texts.get(language) or {}, texts.get(default_language) or {}

        def pick(key: str, first: dict, second: dict) -> str:
            return first.get(key) or second.get(key) or ""

        cookies = {}
        for pattern in self.cookies or ():
            first = (chosen.get("cookies") or {}).get(pattern) or {}
            second = (fallback.get("cookies") or {}).get(pattern) or {}
            cookies[pattern] = {key: pick(key, first, second) for key in ("purpose", "lifetime")}
        return {
            "name": pick("name", chosen, fallback) or self.name,
            "provider": pick("provider", chosen, fallback) or self.provider or "",
            "purpose": pick("purpose", chosen, fallback),
            "cookies": cookies,
        }
