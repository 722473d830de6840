"""A site's own banner words, and the copy of the texts each decision saw.

The catalogs give every banner text; an operator may put the site's own words over some of
them, per language (:data:`LIMITS`). What the banner shows in one language is hashed over
its canonical JSON; the texts are kept under that hash (:class:`BannerTexts`), so that a
decision that names the hash also names the words.
"""

from __future__ import annotations

import hashlib
import json
import threading

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import APIError
from ..extensions import db
from ..models import BannerTexts, Site
from . import policies

#: The texts an operator may replace, and how long each may be.
LIMITS = {
    "title": 80,
    "intro": 600,
    "accept_all": 40,
    "reject_all": 40,
    "customize": 40,
    "save": 40,
    "settings": 80,
    "prefs_intro": 600,
    "essential": 80,
    "essential_about": 300,
    "functional": 80,
    "functional_about": 300,
    "analytics": 80,
    "analytics_about": 300,
}
#: What the console calls each of them.
LABELS = {
    "title": _l("Title"),
    "intro": _l("Introduction"),
    "accept_all": _l("Button: accept all"),
    "reject_all": _l("Button: reject all"),
    "customize": _l("Button: customise"),
    "save": _l("Button: save choices"),
    "settings": _l("Settings dialog: title"),
    "prefs_intro": _l("Settings dialog: introduction"),
    "essential": _l("Essential cookies: title"),
    "essential_about": _l("Essential cookies: description"),
    "functional": _l("Functional cookies: title"),
    "functional_about": _l("Functional cookies: description"),
    "analytics": _l("Analytics cookies: title"),
    "analytics_about": _l("Analytics cookies: description"),
}
#: Hashes found for (site id, language, digest the banner sent): a stored copy never changes.
_found: dict[tuple[int, str, str], str] = {}
_found_lock = threading.Lock()
MAX_FOUND = 4096


class WordingError(ValueError):
    """Words the banner cannot show; ``errors`` maps each field (``kk.title``) to why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def clean(site: Site, submitted: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The overrides to store: known keys of the site's languages, blanks dropped, checked.

    Plain text: the banner sets them as text, never as markup, so ``<b>`` shows as typed.
    """
    errors: dict[str, str] = {}
    wording: dict[str, dict[str, str]] = {}
    for language, texts in submitted.items():
        for key, text in texts.items():
            field = f"{language}.{key}"
            text = " ".join((text or "").split())
            if language not in site.languages or key not in LIMITS:
                errors[field] = _("Not a text the banner shows.")
            elif len(text) > LIMITS[key]:
                errors[field] = _(
                    "At most %(limit)s characters (%(count)s given).",
                    limit=LIMITS[key],
                    count=len(text),
                )
            elif text:
                wording.setdefault(language, {})[key] = text
    if errors:
        raise WordingError(errors)
    return wording


def save(site: Site, wording: dict, *, significant: bool) -> bool:
    """Put ``wording`` on ``site``; True if visitors are asked again.

    Significant words are a new revision: the cookie policy in force is published again,
    unchanged but significant, so the banner asks every visitor again as for a new policy.
    Otherwise new visitors see the new words and earlier decisions stand.
    """
    site.wording = wording
    db.session.flush()
    version = policies.in_force(site)
    if not significant or version is None:
        return False
    policies.publish(policies.copy_of(version, significant=True))
    return True


def canonical(texts: dict) -> bytes:
    return json.dumps(texts, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(texts: dict) -> str:
    """The SHA-256 a decision records of the texts it was made on."""
    return hashlib.sha256(canonical(texts)).hexdigest()


def keep(site: Site, language: str, texts: dict) -> str:
    """Store a copy of ``texts`` under its hash (once) and return the hash."""
    sha256 = digest(texts)
    exists = select(BannerTexts.id).where(
        BannerTexts.site_id == site.id, BannerTexts.sha256 == sha256
    )
    if db.session.scalar(exists) is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    BannerTexts(site_id=site.id, language=language, sha256=sha256, texts=texts)
                )
        except IntegrityError:
            pass  # another process stored the same texts a moment before
    return sha256


def shown(site_id: int, language: str, version: str | None) -> str | None:
    """The full hash of the texts the banner names by ``version`` (the start of the hash).

    A version this server never served for the site and language is refused: a decision
    must not claim words nobody can show.
    """
    if version is None:
        return None
    found = _found.get((site_id, language, version))
    if found is None:
        found = db.session.scalar(
            select(BannerTexts.sha256)
            .where(
                BannerTexts.site_id == site_id,
                BannerTexts.language == language,
                BannerTexts.sha256.startswith(version, autoescape=True),
            )
            .order_by(BannerTexts.id.desc())
            .limit(1)
        )
        if found is not None:
            with _found_lock:
                if len(_found) >= MAX_FOUND:
                    _found.clear()
                _found[(site_id, language, version)] = found
    if found is None:
        raise APIError(
            422,
            "Invalid input.",
            {"texts": "Not texts this site's banner served in this language."},
        )
    return found


def stored(site_id: int, sha256: str | None) -> dict | None:
    """The texts kept under ``sha256``, for a proof."""
    if sha256 is None:
        return None
    return db.session.scalar(
        select(BannerTexts.texts).where(
            BannerTexts.site_id == site_id, BannerTexts.sha256 == sha256
        )
    )
