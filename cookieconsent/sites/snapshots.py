"""What the public API needs to know about a site, read once and kept for a few seconds.

Every consent the banner records and every receipt a backend verifies needs the same facts
about its site: its origins, signing keys, services and the cookie policy in force. Read
through the ORM that is four or five queries per request, more than the rest of the work
together (see bench/RESULTS.md). So each process keeps a frozen snapshot per site for
``SITE_CACHE_SECONDS``.

A snapshot is never wrong for long, and never wrong where it matters:

* a change committed in this process (the console, the CLI) drops every snapshot at once;
* a change made by another process shows within ``SITE_CACHE_SECONDS``, and sooner where a
  stale snapshot would refuse a visitor: a receipt signed by a key this process has not seen
  yet, or a decision on a policy revision newer than the one it knows, reads the site again;
* a policy published to take effect later is in the snapshot already, and applies on time.

What is made from a site and served often (the embed script, its texts) is kept with
:func:`built` instead, for as long as the site's ``config_version`` stays the same: every flush
that changes a watched row raises it in the same transaction, and one indexed read per
request tells any process whether its copy still holds. No timer: a site visited once an hour
is served from what was built, and a change is served from the next request on.

A snapshot has the attributes of :class:`~cookieconsent.models.Site` that the API's domain
functions read (``id``, ``key``, ``origins``, ``keys``, ``services``...), so they take either.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..errors import APIError
from ..extensions import db
from ..models import (
    Category,
    PolicyText,
    PolicyVersion,
    ScanReport,
    Service,
    Site,
    SiteKey,
    WebhookEndpoint,
)
from ..models.site import consent_cookie_name
from ..models.types import term_end, utcnow
from . import categories as site_categories

#: Changing a row of one of these changes what a snapshot, or what is made from a site, holds
#: (a scan report: the gated elements it found show their categories).
WATCHED = (
    Site, SiteKey, Category, Service, PolicyVersion, PolicyText, WebhookEndpoint, ScanReport
)
T = TypeVar("T")
#: What :func:`remember` keeps at most; its keys include the request's host, which any
#: client chooses, so the number of entries must not grow with what clients send.
MAX_REMEMBERED = 256


@dataclass(frozen=True)
class KeySnapshot:
    secret: str
    retired_at: datetime | None


@dataclass(frozen=True)
class ServiceSnapshot:
    key: str
    category: str


@dataclass(frozen=True)
class PolicySnapshot:
    id: int
    number: int
    revision: int
    effective_at: datetime
    #: The SHA-256 of each language's text.
    sha256: dict[str, str]

    def sha256_for(self, language: str, default_language: str) -> str | None:
        return self.sha256.get(language) or self.sha256.get(default_language)


@dataclass(frozen=True)
class SiteSnapshot:
    id: int
    key: str
    name: str
    origins: frozenset[str]
    default_language: str
    consent_lifetime_days: int
    consent_lifetime_months: int | None
    proof_retention_days: int
    subject_secret: str
    keys: tuple[KeySnapshot, ...]
    services: tuple[ServiceSnapshot, ...]
    #: Published cookie policies, the latest effective first.
    policies: tuple[PolicySnapshot, ...]
    #: Bundle ids and package names of the site's apps.
    apps: frozenset[str] = frozenset()
    #: The events the site's webhook endpoints hear, together.
    webhook_events: frozenset[str] = frozenset()
    #: The decision's cookie: its name, and the domain it is set for (None: the page's host).
    consent_cookie: str = ""
    cookie_domain: str | None = None
    #: Every category key of the site, and those the banner shows, in banner order.
    categories: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()

    def lifetime_from(self, start: datetime) -> timedelta:
        """How long a decision made at ``start`` holds."""
        months, days = self.consent_lifetime_months, self.consent_lifetime_days
        return term_end(start, months=months, days=days) - start

    def policy_in_force(self, at: datetime | None = None) -> PolicySnapshot | None:
        at = at or utcnow()
        return next((p for p in self.policies if p.effective_at <= at), None)


class _Store:
    def __init__(self):
        #: (site key, what) -> (when it was made, the value); the snapshot is one of them.
        self.kept: dict[tuple[str, Hashable], tuple[float, object]] = {}
        self.lock = threading.Lock()


def _store() -> _Store:
    store = current_app.extensions.get("cookieconsent.site_snapshots")
    if store is None:
        store = current_app.extensions.setdefault("cookieconsent.site_snapshots", _Store())
    return store


def get(key: str, *, fresh: bool = False) -> SiteSnapshot:
    """The snapshot of the site with ``key``, or a 404 that names the field.

    ``fresh`` reads the database again, whatever the age of the snapshot.
    """
    return remember(key, "snapshot", lambda: _read(key), fresh=fresh)


def remember(key: str, what: Hashable, make: Callable[[], T], *, fresh: bool = False) -> T:
    """``make()``, kept for the site ``key`` for ``SITE_CACHE_SECONDS``; ``fresh`` makes it anew."""
    store = _store()
    made = store.kept.get((key, what))
    if (
        fresh
        or made is None
        or time.monotonic() - made[0] >= current_app.config["SITE_CACHE_SECONDS"]
    ):
        made = (time.monotonic(), make())
        with store.lock:
            if len(store.kept) >= MAX_REMEMBERED:
                store.kept.clear()
            store.kept[(key, what)] = made
    return made[1]  # type: ignore[return-value]


def built(
    key: str, what: Hashable, make: Callable[[], tuple[T, datetime | None]]
) -> T:
    """What ``make()`` built from the site ``key``, made again only once the site changed.

    ``make`` returns the value and the moment it goes out of date by itself (a policy that
    takes effect then), or None. A database that does not answer the version check leaves
    the value that was built in use: the banner keeps working while the database is away.
    """
    store = _store()
    kept = store.kept.get((key, what))
    try:
        version = config_version(key)
    except SQLAlchemyError:
        if kept is None:
            raise
        return kept[1][1]  # type: ignore[index]
    if (
        kept is None
        or kept[0] != version
        or (kept[1][0] is not None and kept[1][0] <= utcnow())  # type: ignore[index]
    ):
        value, until = make()
        kept = (version, (until, value))
        with store.lock:
            if len(store.kept) >= MAX_REMEMBERED:
                store.kept.clear()
            store.kept[(key, what)] = kept  # type: ignore[assignment]
    return kept[1][1]  # type: ignore[index]


_VERSION = select(Site.id, Site.config_version).where(Site.key == bindparam("key"))


def config_version(key: str) -> tuple[int, int] | None:
    """``(id, config_version)`` of the site with ``key``, or None: one read by a unique index.

    The id is part of it: a site deleted and made again under the same key starts at 0 again.
    """
    # A connection of its own, outside any transaction: on PostgreSQL a BEGIN and a ROLLBACK
    # would cost more than the read, and the request's session is left as it was.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        row = connection.execute(_VERSION, {"key": key}).first()
    return None if row is None else (row[0], row[1])


def _read(key: str) -> SiteSnapshot:
    # Its own short transaction: a snapshot must never hold what the request has not committed.
    with Session(db.engine) as session:
        site = session.execute(
            select(
                Site.id, Site.name, Site.origins, Site.apps, Site.default_language,
                Site.consent_lifetime_days, Site.consent_lifetime_months,
                Site.proof_retention_days, Site.subject_secret, Site.cookie_name,
                Site.cookie_domain, Site.category_changes,
            ).where(Site.key == key)
        ).first()
        if site is None:
            raise APIError(404, "Unknown site.", {"site": f"No site with key {key!r}."})
        keys = session.execute(
            select(SiteKey.secret, SiteKey.retired_at)
            .where(SiteKey.site_id == site.id)
            .order_by(SiteKey.id)
        ).all()
        services = session.execute(
            select(Service.key, Service.category)
            .where(Service.site_id == site.id)
            .order_by(Service.id)
        ).all()
        categories = session.execute(
            select(Category.key, Category.always_show)
            .where(Category.site_id == site.id)
            .order_by(Category.position)
        ).all()
        gated = site_categories.gated_keys(site.id, session)
        hooks = session.scalars(
            select(WebhookEndpoint.events).where(WebhookEndpoint.site_id == site.id)
        ).all()
        versions = session.execute(
            select(
                PolicyVersion.id, PolicyVersion.number, PolicyVersion.revision,
                PolicyVersion.effective_at, PolicyText.language, PolicyText.sha256,
            )
            .join(PolicyText, PolicyText.version_id == PolicyVersion.id)
            .where(
                PolicyVersion.site_id == site.id,
                PolicyVersion.kind == "cookie",
                PolicyVersion.published_at.is_not(None),
            )
        ).all()
    policies: dict[int, PolicySnapshot] = {}
    for row in versions:
        policy = policies.setdefault(
            row.id,
            PolicySnapshot(
                row.id, row.number, row.revision + site.category_changes, row.effective_at, {}
            ),
        )
        policy.sha256[row.language] = row.sha256
    return SiteSnapshot(
        id=site.id,
        key=key,
        name=site.name,
        origins=frozenset(site.origins),
        apps=frozenset(site.apps),
        webhook_events=frozenset(name for events in hooks for name in events),
        default_language=site.default_language,
        consent_lifetime_days=site.consent_lifetime_days,
        consent_lifetime_months=site.consent_lifetime_months,
        proof_retention_days=site.proof_retention_days,
        subject_secret=site.subject_secret,
        consent_cookie=consent_cookie_name(key, site.cookie_name),
        cookie_domain=site.cookie_domain,
        keys=tuple(KeySnapshot(*row) for row in keys),
        services=tuple(ServiceSnapshot(*row) for row in services),
        categories=tuple(row.key for row in categories),
        shown=tuple(
            site_categories.shown_keys(
                [tuple(row) for row in categories], (row.category for row in services), gated
            )
        ),
        # The order of policies.in_force: latest effective, then the highest number.
        policies=tuple(
            sorted(policies.values(), key=lambda p: (p.effective_at, p.number), reverse=True)
        ),
    )


def all_origins(database: bool = True) -> frozenset[str]:
    """Every site's origins, read at most every ``SITE_CACHE_SECONDS``: CORS for answers given
    before a view knew its site. Without ``database``, or while it is down, the origins this
    process knows already (its snapshots), so that a 503 reaches the banner without a wait.
    """
    if database:
        try:
            return remember("", "origins", _read_origins)
        except SQLAlchemyError:
            pass
    known: set[str] = set()
    for (_, what), (_, value) in list(_store().kept.items()):
        if what == "origins":
            known |= value  # type: ignore[arg-type]
        elif what == "snapshot":
            known |= value.origins  # type: ignore[attr-defined]
    return frozenset(known)


def _read_origins() -> frozenset[str]:
    with Session(db.engine) as session:
        return frozenset(o for origins in session.scalars(select(Site.origins)) for o in origins)


def forget_all() -> None:
    """Drop every snapshot of this app: the next request reads its site again."""
    if has_app_context():
        store = _store()
        with store.lock:
            store.kept.clear()


@event.listens_for(Session, "after_flush")
def _note_changes(session, flush_context) -> None:
    changed = [
        obj for obj in session.new | session.dirty | session.deleted if isinstance(obj, WATCHED)
    ]
    if not changed:
        return
    session.info["site_snapshots_stale"] = True
    # Raised in this transaction: other processes see the new version with the change itself.
    sites = {obj.id if isinstance(obj, Site) else getattr(obj, "site_id", None) for obj in changed}
    versions = {obj.version_id for obj in changed if isinstance(obj, PolicyText)}
    sites.discard(None)
    site = Site.__table__.c
    session.connection().execute(
        update(Site.__table__)
        .where(
            site.id.in_(sites)
            | site.id.in_(
                select(PolicyVersion.site_id).where(PolicyVersion.id.in_(versions))
            )
        )
        .values(config_version=site.config_version + 1)
    )


@event.listens_for(Session, "after_commit")
def _drop_after_commit(session) -> None:
    if session.info.pop("site_snapshots_stale", False):
        forget_all()
