"""Policy versions: drafting, publishing, and which version is in force."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import PolicyText, PolicyVersion, Site
from ..models.types import utcnow


def sha256(text: str) -> str:
    """The hash that identifies an exact text: UTF-8 bytes, as stored."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def draft(
    site: Site,
    texts: dict[str, dict],
    *,
    kind: str = "cookie",
    significant: bool = False,
    changes: dict[str, str] | None = None,
    details: dict | None = None,
    label: str | None = None,
) -> PolicyVersion:
    """Create an unpublished version. ``texts`` maps language to ``{title, body, url}``."""
    missing = [
        lang for lang in site.languages if not ((texts.get(lang) or {}).get("body") or "").strip()
    ]
    if missing:
        raise ValueError(f"text missing for {', '.join(missing)}")
    version = PolicyVersion(
        site_id=site.id,
        kind=kind,
        number=_next_number(site.id, kind),
        revision=0,
        significant=significant,
        changes=changes or {},
        details=details or {},
        label=(label or "").strip() or None,
    )
    version.texts = [
        PolicyText(
            language=lang,
            title=text.get("title") or "",
            body=text["body"],
            url=text.get("url"),
            sha256=sha256(text["body"]),
        )
        for lang, text in sorted(texts.items())
        if lang in site.languages
    ]
    db.session.add(version)
    db.session.flush()
    return version


def _next_number(site_id: int, kind: str) -> int:
    latest = db.session.scalar(
        select(func.max(PolicyVersion.number)).where(
            PolicyVersion.site_id == site_id, PolicyVersion.kind == kind
        )
    )
    return (latest or 0) + 1


def publish(version: PolicyVersion, effective_at: datetime | None = None) -> PolicyVersion:
    """Publish ``version``; from then on it can never change.

    A significant version raises the site's revision, so every visitor is asked again once
    it takes effect. The first version of a kind always counts as significant.
    """
    if version.is_published:
        raise ValueError(f"version {version.number} is already published")
    if version.is_imported:
        raise ValueError(f"version {version.number} is imported history: it is never in force")
    latest = latest_published(version.site_id, version.kind)
    if latest is None:
        version.revision = 1
    else:
        version.revision = latest.revision + (1 if version.significant else 0)
    now = utcnow()
    version.effective_at = effective_at or now
    version.published_at = now
    db.session.flush()
    return version


def copy_of(version: PolicyVersion, *, significant: bool) -> PolicyVersion:
    """An unpublished version with the texts of ``version``: the same words under a new number."""
    copy = PolicyVersion(
        site_id=version.site_id,
        kind=version.kind,
        number=_next_number(version.site_id, version.kind),
        revision=0,
        significant=significant,
        changes={},
        details=dict(version.details or {}),
        label=version.label,
    )
    copy.texts = [
        PolicyText(language=t.language, title=t.title, body=t.body, url=t.url, sha256=t.sha256)
        for t in version.texts
    ]
    db.session.add(copy)
    db.session.flush()
    return copy


def import_history(version: PolicyVersion, was_in_force_from: datetime) -> PolicyVersion:
    """Keep ``version`` as an earlier text of the site's, in force there from the given date.

    It completes the site's record of its policies; it never comes in force here, so no
    visitor is asked under it and no consent can name it.
    """
    if version.is_published or version.is_imported:
        raise ValueError(f"version {version.number} is already published or imported")
    version.effective_at = was_in_force_from
    version.imported_at = utcnow()
    db.session.flush()
    return version


def latest_published(site_id: int, kind: str) -> PolicyVersion | None:
    return db.session.scalar(
        select(PolicyVersion)
        .where(
            PolicyVersion.site_id == site_id,
            PolicyVersion.kind == kind,
            PolicyVersion.published_at.is_not(None),
        )
        .order_by(PolicyVersion.number.desc())
        .limit(1)
    )


def in_force(site: Site, kind: str = "cookie", at: datetime | None = None) -> PolicyVersion | None:
    """The published version that applies at ``at`` (default: now)."""
    return db.session.scalar(
        select(PolicyVersion)
        .where(
            PolicyVersion.site_id == site.id,
            PolicyVersion.kind == kind,
            PolicyVersion.published_at.is_not(None),
            PolicyVersion.effective_at <= (at or utcnow()),
        )
        .order_by(PolicyVersion.effective_at.desc(), PolicyVersion.number.desc())
        .limit(1)
    )


def current_revision(site: Site) -> int:
    """The revision a visitor's decision must match; 0 before any cookie policy."""
    return revision_of(site, in_force(site))


def revision_of(site: Site, version: PolicyVersion | None) -> int:
    """The site's revision under ``version``: the policy's, raised by each added or removed
    category (cookieconsent/sites/categories.py) and each service given storage no decision
    covered (cookieconsent/sites/services.py); 0 without a policy."""
    return version.revision + site.category_changes if version else 0
