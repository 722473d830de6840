"""The embed response: banner code and the site's configuration in one small script.

The texts come apart (``/embed/<key>/texts/<lang>.json``), in the one language the page needs,
only when a visitor has to decide; the script keeps them in localStorage.

The body is built from the site, the catalogs and the files in ``static/``; its digest is the
ETag and the Subresource Integrity hash of the pinned variant, so the same inputs always give
the same bytes.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib import metadata
from pathlib import Path

import rcssmin
import rjsmin
from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers

from ..extensions import db
from ..forms.documents import form_config
from ..models import PolicyVersion, Site
from ..models.types import add_months, utcnow
from ..sites import policies
from . import texts

#: Files concatenated inside the one IIFE, in this order; a missing optional file is skipped.
SCRIPT_FILES = ("banner.js", "dialog.js", "forms.js")
STYLE_FILE = "banner.css"

@dataclass(frozen=True)
class Embed:
    body: bytes
    digest: str  # hex SHA-256 of body: ETag and the pinned URL's version
    integrity: str  # "sha384-…" for the integrity attribute
    gzipped: bytes


def site_payload(site: Site) -> dict:
    """What the banner needs to know about ``site``: the same bytes for every visitor."""
    version = policies.in_force(site)
    config: dict = {
        "site": site.key,
        "server": url_for("embed.script", key=site.key, _external=True).rsplit("/embed/", 1)[0],
        "revision": version.revision if version else 0,
        "languages": list(site.languages),
        "default_language": site.default_language,
        "days": _lifetime_days(site),
        "domain": site.cookie_domain or "",
        "floating": bool(site.floating_button),
        "gpc_refuses": bool(site.gpc_refuses_analytics),
        "gcm": bool(site.google_consent_mode),
        "categories": [c.key for c in site.categories],
        # [category, cookies, storage keys]: names and providers are words, so they travel
        # with the texts, in the page's language.
        "services": [
            [s.category, list(s.cookies), list(s.storage_keys)]
            for s in site.services
        ],
        "texts": {},
    }
    if site.metrika_counter_id:
        options = dict(site.metrika_options or {})
        # Webvisor records keystrokes and screens: off unless the operator turned it on.
        options["webvisor"] = bool(options.get("webvisor", False))
        config["metrika"] = {"id": site.metrika_counter_id, "options": options}
    if version is not None:
        config["policy"] = {"significant": version.significant}
    # Texts travel apart, in the page's one language, and the script keeps them in
    # localStorage under this version: a returning visitor never downloads them again.
    for language in site.languages:
        config["texts"][language] = texts_version(site, language)
    config["forms"] = form_config(site)
    return config


def out_of_date_at(site: Site) -> datetime | None:
    """When what is built from ``site`` changes with no change to the site: a policy published
    to take effect later comes into force, or (a lifetime in months) the day ends."""
    now = utcnow()
    next_policy = db.session.scalar(
        select(func.min(PolicyVersion.effective_at)).where(
            PolicyVersion.site_id == site.id,
            PolicyVersion.published_at.is_not(None),
            PolicyVersion.effective_at > now,
        )
    )
    moments = [next_policy] if next_policy else []
    if site.consent_lifetime_months:
        moments.append(datetime.combine(now.date() + timedelta(days=1), time(), now.tzinfo))
    return min(moments, default=None)


def _lifetime_days(site: Site) -> int:
    """How many days the banner keeps its cookie: a lifetime in months, counted from today."""
    if not site.consent_lifetime_months:
        return site.consent_lifetime_days
    now = utcnow()
    return (add_months(now, site.consent_lifetime_months) - now).days


def texts_version(site: Site, language: str) -> str:
    """A short digest of :func:`site_texts`: it changes whenever one of the texts does."""
    data = json.dumps(site_texts(site, language), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:10]


def site_texts(site: Site, language: str) -> dict:
    """Every text of the banner (and the form guard) for ``site`` in ``language``."""
    words = texts.texts_for(language)
    words |= texts.count_texts(
        language, {len(s.cookies) for s in site.services}
    )
    # In the order of the config's services: [name, provider] of each.
    words["services"] = [
        [said["name"], said["provider"]]
        for said in (s.in_language(language, site.default_language) for s in site.services)
    ]
    version = policies.in_force(site)
    if version is not None:
        text = version.text_for(language) or version.text_for(site.default_language)
        words["policy_url"] = text.url or url_for(
            "preferences.policy_text",
            key=site.key,
            number=version.number,
            language=text.language,
            _external=True,
        )
        words["policy_version"] = texts.policy_label(language, version.number, version.effective_at)
        words["changes"] = (version.changes or {}).get(language, "")
    return words


def _static(name: str) -> tuple[str, float]:
    path = Path(current_app.static_folder or "") / name
    return (path.read_text("utf-8"), path.stat().st_mtime) if path.is_file() else ("", 0.0)


#: This process's copy of the built code, and the files' modification times it was built from.
_minified: dict = {}
#: Part of the shared build's name: another minifier may give other bytes for the same source.
_MINIFIERS = tuple(
    f"{name}={metadata.version(name)}" for name in ("calmjs.parse", "rjsmin", "rcssmin")
)


def code() -> tuple[str, str]:
    """``(function, css)``: the script files as one minified ``function(C,CSS){…}``.

    Minifying takes most of a second, so it happens once per release, not once per process:
    the result is kept in the instance folder under the digest of its sources, and every
    worker, also one started or recycled later, reads it from there. Local names are mangled
    where the ES5 parser accepts the code; otherwise comments and blanks are dropped.
    """
    files = [_static(name) for name in SCRIPT_FILES]
    style = _static(STYLE_FILE)
    stamp = tuple(mtime for _, mtime in files) + (style[1],)
    if _minified.get("stamp") != stamp:
        source = "\n".join(text for text, _ in files if text)
        source = '(function(C,CSS){"use strict";\n' + source + "\n})"
        _minified.update(stamp=stamp, code=_shared_build(source, style[0]))
    return _minified["code"]


def _shared_build(source: str, style: str) -> tuple[str, str]:
    digest = hashlib.sha256(
        "\0".join((*_MINIFIERS, source, style)).encode()
    ).hexdigest()
    path = Path(current_app.instance_path) / "build" / f"embed-{digest[:32]}.json"
    try:
        built = json.loads(path.read_text("utf-8"))
        return built["function"], built["css"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not built yet, or unreadable: build it (again)
    function, css = minify(source), rcssmin.cssmin(style)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a worker starting meanwhile reads the whole file or none.
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump({"function": function, "css": css}, file, ensure_ascii=False)
        os.replace(temporary, path)
    except OSError:  # a read-only instance folder: this process keeps its own copy
        current_app.logger.warning("could not keep the built banner in %s", path.parent)
    return function, css


def minify(source: str) -> str:
    """The minified script: local names mangled if the ES5 parser accepts it, else blanks cut."""
    try:
        from calmjs.parse import es5
        from calmjs.parse.unparsers.es5 import minify_print

        function = minify_print(es5(source), obfuscate=True, obfuscate_globals=False)
    except Exception:  # noqa: BLE001 - newer syntax than ES5: keep names, drop blanks
        function = rjsmin.jsmin(source)
    return function.rstrip(";")


#: How many sites' scripts a worker builds before its first request (the newest sites).
WARM_SITES = 32


def warm_up(app) -> None:
    """Do before a worker's first request what would otherwise make that request slow.

    SQLAlchemy sets up its mappers and compiles each statement on first use, Babel loads its
    locale data, the pool opens its first connection: together ~0.2 s; then each site's
    script takes milliseconds to build. So the worker builds the scripts of the newest
    sites here (the banner itself comes from the release's shared build). With
    ``PUBLIC_URL`` set they are the very scripts its requests ask for; without it the host
    is the request's, unknown here, and only the first of them does any good. A database
    that is not there yet leaves the work to the first request.
    """
    with app.app_context():
        configure_mappers()
        code()
        try:
            keys = db.session.scalars(
                select(Site.key).order_by(Site.id.desc()).limit(WARM_SITES)
            ).all()
        except SQLAlchemyError:
            keys = []
        finally:
            db.session.remove()
    client = app.test_client()
    for key in keys if app.config["PUBLIC_URL"] else keys[:1]:
        client.get(f"/embed/{key}.js", headers={"Accept-Encoding": "gzip"})


def build(site: Site) -> Embed:
    """The embed script of ``site``: one IIFE called with the config and the CSS."""
    config = json.dumps(site_payload(site), ensure_ascii=False, separators=(",", ":"))
    function, css = code()
    body = f"{function}({config},{json.dumps(css, ensure_ascii=False)});\n".encode()
    digest = hashlib.sha256(body).hexdigest()
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    return Embed(body, digest, integrity, gzip.compress(body, 9, mtime=0))


def pinned_url(site: Site) -> tuple[str, str]:
    """``(url, integrity)`` of the pinned variant: valid until the script or config changes."""
    embed = build(site)
    url = url_for("embed.pinned", key=site.key, version=embed.digest[:16], _external=True)
    return url, embed.integrity


def script_tags(site: Site) -> tuple[str, str]:
    """The two ways to embed ``site``: the plain tag and the pinned one with SRI."""
    url = url_for("embed.script", key=site.key, _external=True)
    pinned, integrity = pinned_url(site)
    return (
        f'<script src="{url}" defer></script>',
        f'<script src="{pinned}" integrity="{integrity}" crossorigin="anonymous" defer></script>',
    )
