"""Sites: creating them, their signing keys, and the services they declare."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import select

from ..catalogue import services as catalogue
from ..config import LANGUAGES
from ..errors import APIError
from ..extensions import db
from ..models import CATEGORIES, Category, Service, Site, SiteKey
from ..models.types import utcnow
from .categories import KEY as CATEGORY_KEY

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

#: The storage Yandex.Metrika's official tag sets, as its documentation lists it; its names in
#: each language come from the catalogue.
METRIKA_PRESET = {
    "key": "yandex-metrika",
    "name": "Yandex.Metrika",
    "category": "analytics",
    "provider": "Yandex LLC",
    "cookies": ["_ym_*", "yandexuid", "yabs-sid", "i", "ymex", "yuidss"],
    "storage_keys": ["_ym*"],
}
#: Webvisor records the visitor's screen and input: a service of its own, so that it runs only
#: under the category that holds it (its own consent), never merely because analytics did.
WEBVISOR_PRESET = {
    "key": "yandex-webvisor",
    "name": "Yandex Webvisor",
    "category": "analytics",
    "provider": "Yandex LLC",
    "cookies": [],
    "storage_keys": [],
}


def normalize_origin(value: str) -> str:
    """``https://Shop.kz/any/path`` → ``https://shop.kz``; refuse what is not an origin."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) origin: {value!r}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{host}{port}"


def create_site(
    key: str,
    name: str,
    origins: list[str],
    languages: list[str] | tuple[str, ...] = LANGUAGES,
    default_language: str = "ru",
    categories: Sequence[str] = CATEGORIES[1:],
) -> Site:
    """Create a site with essential and ``categories`` (by default functional and analytics),
    shown whether or not the site has services for them, and a first signing key."""
    if not KEY_PATTERN.match(key):
        raise ValueError("a site key is 1-64 lowercase letters, digits or dashes")
    if db.session.scalar(select(Site.id).where(Site.key == key)) is not None:
        raise ValueError(f"site {key!r} exists")
    languages = [lang for lang in LANGUAGES if lang in languages]
    if not languages or default_language not in languages:
        raise ValueError("languages must include the default language, among kk, ru, en")
    site = Site(
        key=key,
        name=name,
        origins=sorted({normalize_origin(o) for o in origins}),
        languages=languages,
        default_language=default_language,
        subject_secret=secrets.token_hex(32),
        metrika_options={},
    )
    keys = ["essential", *dict.fromkeys(k for k in categories if k != "essential")]
    if not all(CATEGORY_KEY.fullmatch(k) for k in keys):
        raise ValueError("a category key is a lowercase letter, then 1-31 letters, digits or _")
    site.categories = [Category(key=k, position=i, always_show=True) for i, k in enumerate(keys)]
    site.keys = [SiteKey(secret=secrets.token_urlsafe(32))]
    db.session.add(site)
    db.session.flush()
    return site


def add_metrika(site: Site, counter_id: int, webvisor: str | None = None) -> Service:
    """Declare Yandex.Metrika, loaded by the banner only after analytics consent, and
    Webvisor under the category ``webvisor`` names (none: Webvisor off)."""
    site.metrika_counter_id = counter_id
    site.metrika_options = {
        "clickmap": True,
        "trackLinks": True,
        "accurateTrackBounce": True,
    }
    set_webvisor(site, webvisor)
    service = next((s for s in site.services if s.key == METRIKA_PRESET["key"]), None)
    if service is None:
        service = Service(**METRIKA_PRESET, texts=catalogue.described("Yandex.Metrica"))
        site.services.append(service)
    db.session.flush()
    return service


def set_webvisor(site: Site, category: str | None) -> None:
    """Webvisor on under ``category``, or off (``None``): the service and the option agree."""
    site.metrika_options = dict(site.metrika_options or {}, webvisor=bool(category))
    if category:
        _service(site, WEBVISOR_PRESET).category = category
    else:
        remove_webvisor(site)


def remove_webvisor(site: Site) -> None:
    """Webvisor off: its service goes, and the option with it."""
    site.services[:] = [s for s in site.services if s.key != WEBVISOR_PRESET["key"]]
    if site.metrika_options:
        site.metrika_options = dict(site.metrika_options, webvisor=False)


def webvisor_category(site) -> str | None:
    """The category that gates Webvisor on ``site``, or ``None`` when Webvisor is off."""
    if not (site.metrika_counter_id and (site.metrika_options or {}).get("webvisor")):
        return None
    service = next((s for s in site.services if s.key == WEBVISOR_PRESET["key"]), None)
    return service.category if service else None


def _service(site: Site, preset: dict) -> Service:
    service = next((s for s in site.services if s.key == preset["key"]), None)
    if service is None:
        service = Service(**preset)
        site.services.append(service)
    return service


def get_site(key: str) -> Site:
    """The site with ``key``, or a 404 that names the field."""
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise APIError(404, "Unknown site.", {"site": f"No site with key {key!r}."})
    return site


def signing_secrets(site: Site) -> list[str]:
    """Every key that may verify the site's receipts, oldest first; the last one signs."""
    active = [k for k in site.keys if k.retired_at is None]
    retired = [k for k in site.keys if k.retired_at is not None]
    return [k.secret for k in retired + active]


def rotate_key(site: Site) -> SiteKey:
    """Sign new receipts with a fresh key; receipts under the old ones keep verifying."""
    now = utcnow()
    for key in site.keys:
        if key.retired_at is None:
            key.retired_at = now
    key = SiteKey(secret=secrets.token_urlsafe(32))
    site.keys.append(key)
    db.session.flush()
    return key


#: A bundle id (iOS) or package name (Android): reverse-DNS, at least two parts.
APP_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$")


def normalize_app(value: str) -> str:
    """``kz.aina.shop`` as typed, or ValueError: app ids are compared exactly, like origins."""
    app = value.strip()
    if len(app) > 255 or not APP_PATTERN.match(app):
        raise ValueError(f"not a bundle id or package name: {value!r}")
    return app


def set_apps(site: Site, apps: list[str]) -> list[str]:
    """Allow exactly ``apps`` to record consent with ``method: app``."""
    site.apps = sorted({normalize_app(app) for app in apps})
    db.session.flush()
    return site.apps


def origin_allowed(site: Site, origin: str | None) -> bool:
    if not origin:
        return False
    try:
        return normalize_origin(origin) in site.origins
    except ValueError:
        return False
