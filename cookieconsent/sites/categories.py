"""A site's categories: which there are, what they are called, which the banner shows.

Essential is locked and first. The others are the operator's: the well-known keys come with
the catalogs' words in kk, ru and en, any key with the operator's own; the operator may
override the words of any of them per language. Adding or removing one changes what a
visitor decides on, so it raises the site's revision (``Site.category_changes``) and every
visitor is asked again; renaming and reordering do not. A service moved to another category
raises it too (``services.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import force_locale, lazy_pgettext
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Category, ScanReport, Site

#: A category key: what ``data-category`` and the API's ``choices`` name.
KEY = re.compile(r"[a-z][a-z0-9_]{1,31}")
ESSENTIAL = "essential"

#: The words of the well-known keys, in the banner's catalog context.
DEFAULT_WORDS = {
    "essential": (
        lazy_pgettext("banner", "Essential cookies"),
        lazy_pgettext("banner", "Needed for the site to work: your session, cart and this choice."),
    ),
    "functional": (
        lazy_pgettext("banner", "Functional cookies"),
        lazy_pgettext("banner", "Remember your settings and show embedded content such as video."),
    ),
    "analytics": (
        lazy_pgettext("banner", "Analytics cookies"),
        lazy_pgettext("banner", "Help us understand how the site is used, in aggregate."),
    ),
    "marketing": (
        lazy_pgettext("banner", "Marketing cookies"),
        lazy_pgettext("banner", "Let advertising partners show and measure ads."),
    ),
    "personalisation": (
        lazy_pgettext("banner", "Personalisation cookies"),
        lazy_pgettext("banner", "Choose content and offers for you from what you viewed."),
    ),
    "notifications": (
        lazy_pgettext("banner", "Notifications"),
        lazy_pgettext("banner", "Let the site send you notifications."),
    ),
}
WELL_KNOWN = tuple(key for key in DEFAULT_WORDS if key != ESSENTIAL)


class CategoryError(ValueError):
    """An operator's change to the categories that cannot be made; the message says why."""


def words(category: Category, language: str) -> tuple[str, str]:
    """``(title, description)`` of ``category`` in ``language``: the operator's, else the
    catalogs' for a well-known key, else the key itself."""
    own = (category.texts or {}).get(language) or {}
    title, description = own.get("title"), own.get("description")
    if not (title and description) and category.key in DEFAULT_WORDS:
        with force_locale(language):
            default_title, default_description = (str(w) for w in DEFAULT_WORDS[category.key])
        title, description = title or default_title, description or default_description
    return title or category.key, description or ""


def gated_keys(site_id: int, session=None) -> set[str]:
    """The categories of the ``data-category`` elements the site's latest scan found."""
    report = (session or db.session).scalar(
        select(ScanReport.report)
        .where(ScanReport.site_id == site_id)
        .order_by(ScanReport.id.desc())
        .limit(1)
    )
    return set((report or {}).get("gated", []))


def shown_keys(
    categories: Iterable[tuple[str, bool]], used: Iterable[str], gated: Iterable[str]
) -> list[str]:
    """The keys the banner shows, in order: essential, those with a service (``used``) or a
    gated element, and those the operator shows anyway."""
    asked = set(used) | set(gated) | {ESSENTIAL}
    return [key for key, always in categories if always or key in asked]


def shown(site: Site) -> list[Category]:
    """The site's categories that the banner and the dialog show."""
    keys = shown_keys(
        ((c.key, c.always_show) for c in site.categories),
        (s.category for s in site.services),
        gated_keys(site.id),
    )
    return [c for c in site.categories if c.key in keys]


def clean_texts(site: Site, texts: dict) -> dict:
    """``{language: {"title", "description"}}`` for the site's languages, blanks left out."""
    kept = {}
    for language in site.languages:
        given = texts.get(language) or {}
        entry = {k: (given.get(k) or "").strip() for k in ("title", "description")}
        entry = {k: v for k, v in entry.items() if v}
        if entry:
            kept[language] = entry
    return kept


def add(site: Site, key: str, texts: dict | None = None, always_show: bool = False) -> Category:
    """Add a category at the end: a significant change, every visitor is asked again."""
    if not KEY.fullmatch(key) or key == ESSENTIAL:
        raise CategoryError(
            _("A lowercase letter, then 1 to 31 lowercase letters, digits or _.")
        )
    if any(c.key == key for c in site.categories):
        raise CategoryError(_("The site already has the category %(key)s.", key=key))
    texts = clean_texts(site, texts or {})
    if key not in DEFAULT_WORDS and not all(
        (texts.get(lang) or {}).get("title") for lang in site.languages
    ):
        raise CategoryError(
            _("A category of your own needs a title in every language of the site.")
        )
    category = Category(
        key=key, texts=texts, always_show=always_show,
        position=max((c.position for c in site.categories), default=0) + 1,
    )
    site.categories.append(category)
    site.category_changes += 1
    db.session.flush()
    return category


def remove(site: Site, key: str) -> None:
    """Remove a category: a significant change, every visitor is asked again."""
    category = find(site, key)
    if category.locked:
        raise CategoryError(_("Essential cookies cannot be removed."))
    used = [s.name for s in site.services if s.category == key]
    if used:
        raise CategoryError(
            _("Move or remove its services first: %(services)s.", services=", ".join(used))
        )
    site.categories.remove(category)
    site.category_changes += 1
    db.session.flush()


def move(site: Site, key: str, step: int) -> None:
    """Move a category ``step`` places (-1 up, 1 down); essential stays first."""
    order = list(site.categories)
    category = find(site, key)
    at = order.index(category)
    to = at + step
    if category.locked or not 1 <= to < len(order):
        return
    order.insert(to, order.pop(at))
    for position, each in enumerate(order):
        each.position = position
    db.session.flush()
    db.session.expire(site, ["categories"])


def find(site: Site, key: str) -> Category:
    category = next((c for c in site.categories if c.key == key), None)
    if category is None:
        raise CategoryError(_("The site has no category %(key)s.", key=key))
    return category
