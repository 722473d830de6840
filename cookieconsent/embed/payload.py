"""The embed response: banner code and the site's configuration in one small script.

The texts come apart (``/embed/<key>/texts/<lang>.json``), in the one language the page needs,
only when a visitor has to decide; the script keeps them in localStorage. The preferences dialog
comes apart too, only when a visitor opens it: its code (``/embed/_dialog/<version>.js``, the
same for every site) and its texts (``/embed/<key>/dialog/<lang>.json``). A site gets the form
guard only if it has guarded forms.

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
from ..sites import categories, consent_mode, look, policies, registry, wording
from . import texts

#: Files concatenated inside the one IIFE, in this order; a missing optional file is skipped.
SCRIPT_FILES = ("banner.js", "view.js", "api.js")
#: Appended inside the IIFE only for a site whose forms are guarded.
FORMS_FILE = "forms.js"
#: The preferences dialog: a script of its own, fetched the first time a visitor opens it.
DIALOG_FILE = "dialog.js"
STYLE_FILE = "banner.css"


@dataclass(frozen=True)
class Embed:
    body: bytes
    digest: str  # hex SHA-256 of body: ETag and the pinned URL's version
    integrity: str  # "sha384-…" for the integrity attribute
    gzipped: bytes

    @classmethod
    def of(cls, body: bytes) -> Embed:
        """``body`` with its digests and its gzipped form (the same bytes for the same body)."""
        integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
        digest = hashlib.sha256(body).hexdigest()
        return cls(body, digest, integrity, gzip.compress(body, 9, mtime=0))


def site_payload(site: Site, preview: dict | None = None, at: datetime | None = None) -> dict:
    """What the banner needs to know about ``site`` at ``at`` (default: now): the same bytes
    for every visitor.

    ``preview`` (``{"server": ..., "wording": ...}``) is the console's preview: words not
    saved yet, texts from the preview's own address, and a banner that records nothing.
    """
    at = at or utcnow()
    version = policies.in_force(site, at=at)
    own_words = preview["wording"] if preview else site.wording
    config: dict = {
        "site": site.key,
        "server": preview["server"]
        if preview
        else url_for("embed.script", key=site.key, _external=True).rsplit("/embed/", 1)[0],
        "revision": policies.revision_of(site, version),
        "languages": list(site.languages),
        "default_language": site.default_language,
        "days": _lifetime_days(site, at),
        "domain": site.cookie_domain or "",
        "cookie": site.consent_cookie,
        "floating": bool(site.floating_button),
        "gpc_refuses": bool(site.gpc_refuses_analytics),
        "categories": [c.key for c in categories.shown(site)],
        # What the banner deletes without consent; names and providers come with the dialog.
        "services": [
            {"category": s.category, "cookies": list(s.cookies), "storage": list(s.storage_keys)}
            for s in site.services
        ],
        "texts": {},
    }
    if site.google_consent_mode:
        config["gcm"] = consent_mode.banner_config(site)
    if site.metrika_counter_id:
        options = dict(site.metrika_options or {})
        # Webvisor records keystrokes and screens: the banner turns it on only when the
        # category of the Webvisor service (wv) is granted.
        options.pop("webvisor", None)
        config["metrika"] = {"id": site.metrika_counter_id, "options": options}
        webvisor = registry.webvisor_category(site)
        if webvisor:
            config["metrika"]["wv"] = webvisor
    if version is not None:
        config["policy"] = {"significant": version.significant}
    coming = announced(site, at)
    if coming is not None:
        # Returning visitors are told once, before the date; nobody is asked again until then.
        config["next"] = {"n": coming.number}
    # Texts travel apart, in the page's one language, and the script keeps them in
    # localStorage under this version: a returning visitor never downloads them again.
    for language in site.languages:
        config["texts"][language] = texts_version(site, language, own_words, at)
    preferences = dialog()
    config["dialog"] = [preferences.digest[:16], preferences.integrity]
    forms = form_config(site)
    if forms:
        config["forms"] = forms
    if preview:
        config["preview"] = 1
    return config


def scheduled(site: Site, at: datetime | None = None) -> PolicyVersion | None:
    """The next published cookie policy version to take effect after ``at`` (default: now)."""
    return db.session.scalar(
        select(PolicyVersion)
        .where(
            PolicyVersion.site_id == site.id,
            PolicyVersion.kind == "cookie",
            PolicyVersion.published_at.is_not(None),
            PolicyVersion.effective_at > (at or utcnow()),
        )
        .order_by(PolicyVersion.effective_at, PolicyVersion.number)
        .limit(1)
    )


def announced(site: Site, at: datetime) -> PolicyVersion | None:
    """The scheduled version returning visitors are told about at ``at``: within the site's
    announcement period before it takes effect."""
    coming = scheduled(site, at)
    if coming and site.announce_days and coming.effective_at - at <= timedelta(site.announce_days):
        return coming
    return None


def out_of_date_at(site: Site) -> datetime | None:
    """When what is built from ``site`` changes with no change to the site: a policy published
    to take effect later comes into force or starts being announced, or (a lifetime in
    months) the day ends."""
    now = utcnow()
    next_policy = db.session.scalar(
        select(func.min(PolicyVersion.effective_at)).where(
            PolicyVersion.site_id == site.id,
            PolicyVersion.published_at.is_not(None),
            PolicyVersion.effective_at > now,
        )
    )
    moments = [next_policy] if next_policy else []
    coming = scheduled(site, now)
    if coming and site.announce_days:
        announcing = coming.effective_at - timedelta(site.announce_days)
        if announcing > now:
            moments.append(announcing)
    if site.consent_lifetime_months:
        moments.append(datetime.combine(now.date() + timedelta(days=1), time(), now.tzinfo))
    return min(moments, default=None)


def _lifetime_days(site: Site, at: datetime) -> int:
    """How many days the banner keeps its cookie: a lifetime in months, counted from ``at``."""
    if not site.consent_lifetime_months:
        return site.consent_lifetime_days
    return (add_months(at, site.consent_lifetime_months) - at).days


def texts_version(
    site: Site, language: str, own_words: dict | None = None, at: datetime | None = None
) -> str:
    """A short digest of :func:`texts_shown`: it changes whenever one of the texts does, and
    versions the URLs of both parts. It is the start of the texts' full hash, which a
    decision records (``sites.wording``)."""
    return wording.digest(texts_shown(site, language, own_words, at))[:10]


def texts_shown(
    site: Site, language: str, own_words: dict | None = None, at: datetime | None = None
) -> dict:
    """Every word the banner and its dialog show in ``language``: what a decision was made on."""
    return {
        "banner": site_texts(site, language, own_words, at),
        "dialog": dialog_texts(site, language, own_words),
    }


def _own(site: Site, language: str, own_words: dict | None) -> dict:
    """The site's own words in ``language`` (``own_words``, else its saved ones)."""
    return ((site.wording if own_words is None else own_words) or {}).get(language, {})


def _with_own(words: dict, own: dict) -> dict:
    """``words`` with the site's own words over those of them it replaces."""
    return words | {key: text for key, text in own.items() if key in words}


def dialog_texts(site: Site, language: str, own_words: dict | None = None) -> dict:
    """What only the preferences dialog shows: its texts, the services, their cookie counts."""
    words = texts.texts_for(language, texts.DIALOG)
    for category in categories.shown(site):
        words[category.key + "_about"] = categories.words(category, language)[1]
    words = _with_own(words, _own(site, language, own_words))
    words |= texts.count_texts(language, {len(s.cookies) for s in site.services})
    # Named in the page's language, else in the site's default language, else as typed.
    words["services"] = [
        {"name": said["name"], "category": s.category, "provider": said["provider"],
         "cookies": list(s.cookies)}
        for s, said in ((s, s.in_language(language, site.default_language))
                        for s in site.services)
    ]
    return words


def site_texts(
    site: Site, language: str, own_words: dict | None = None, at: datetime | None = None
) -> dict:
    """The texts of the banner (and of the form guard, if the site has one) in ``language``
    at ``at`` (default: now); the site's own words (``own_words``, else its saved ones)
    replace the catalogs'."""
    at = at or utcnow()
    unused = texts.DIALOG | (frozenset() if form_config(site) else texts.FORMS)
    words = texts.texts_for(language, [key for key in texts.TEXTS if key not in unused])
    for category in categories.shown(site):
        words[category.key] = categories.words(category, language)[0]
    words = _with_own(words, _own(site, language, own_words))
    coming = announced(site, at)
    if coming is not None:
        changes = (coming.changes or {}).get(language, "")
        words |= texts.upcoming_texts(language, coming.effective_at, changes)
    version = policies.in_force(site, at=at)
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


#: This process's copy of each built variant, and the modification times it was built from.
_minified: dict = {}
#: Part of the shared build's name: another minifier may give other bytes for the same source.
_MINIFIERS = tuple(
    f"{name}={metadata.version(name)}" for name in ("calmjs.parse", "rjsmin", "rcssmin")
)


def code(forms: bool = False) -> tuple[str, str]:
    """``(function, css)``: the script files as one minified ``function(C,CSS){…}``, with the
    form guard if ``forms``.

    Minifying takes most of a second, so it happens once per release, not once per process:
    the result is kept in the instance folder under the digest of its sources, and every
    worker, also one started or recycled later, reads it from there. Local names are mangled
    where the ES5 parser accepts the code; otherwise comments and blanks are dropped.
    """
    names = SCRIPT_FILES + (FORMS_FILE,) * forms
    files = [_static(name) for name in names]
    style = _static(STYLE_FILE)
    stamp = tuple(mtime for _, mtime in files) + (style[1],)
    if _minified.get(names, (None,))[0] != stamp:
        source = "\n".join(text for text, _ in files if text)
        source = '(function(C,CSS){"use strict";\n' + source + "\n})"
        _minified[names] = (stamp, _shared_build(source, style[0]))
    return _minified[names][1]


def dialog() -> Embed:
    """The preferences dialog's script: the same for every site, built once per release."""
    text, mtime = _static(DIALOG_FILE)
    if _minified.get(DIALOG_FILE, (None,))[0] != mtime:
        function, _ = _shared_build(text, "")
        _minified[DIALOG_FILE] = (mtime, Embed.of(f"{function};\n".encode()))
    return _minified[DIALOG_FILE][1]


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
        code(), code(forms=True), dialog()
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


def build(site: Site, preview: dict | None = None, at: datetime | None = None) -> Embed:
    """The embed script of ``site`` at ``at`` (default: now): one IIFE called with the config
    and the CSS, which ends with the rules of the site's look (none for the default look)."""
    payload = site_payload(site, preview, at)
    function, css = code(forms="forms" in payload)
    css += look.css(site.look)
    config = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Embed.of(f"{function}({config},{json.dumps(css, ensure_ascii=False)});\n".encode())


def pinned_url(site: Site, at: datetime | None = None) -> tuple[str, str]:
    """``(url, integrity)`` of the pinned variant at ``at``: valid until the script or config
    changes (and, for a scheduled version, from its effective date)."""
    embed = build(site, at=at)
    url = url_for("embed.pinned", key=site.key, version=embed.digest[:16], _external=True)
    return url, embed.integrity


def pinned_tag(site: Site, at: datetime | None = None) -> str:
    """The pinned script tag with SRI, valid at ``at`` (default: now)."""
    pinned, integrity = pinned_url(site, at)
    return f'<script src="{pinned}" integrity="{integrity}" crossorigin="anonymous" defer></script>'


def script_tags(site: Site) -> tuple[str, str]:
    """The two ways to embed ``site``: the plain tag and the pinned one with SRI."""
    url = url_for("embed.script", key=site.key, _external=True)
    return f'<script src="{url}" defer></script>', pinned_tag(site)


def upcoming_tag(site: Site) -> tuple[PolicyVersion, str] | None:
    """The next scheduled version and the pinned tag that answers from its date on (and
    already now, so that it can be put in place in time)."""
    coming = scheduled(site)
    return (coming, pinned_tag(site, coming.effective_at)) if coming else None
