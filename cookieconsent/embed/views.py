"""Serving the banner script with the site's configuration, one request for everything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Response, current_app, request

from ..errors import APIError
from ..extensions import db
from ..models.types import utcnow
from ..sites import snapshots, wording
from ..sites.registry import get_site
from .blueprint import bp
from .payload import (
    Embed,
    build,
    dialog,
    dialog_texts,
    out_of_date_at,
    scheduled,
    site_texts,
    texts_shown,
)

#: Short: a published policy or a changed setting reaches visitors within minutes; after that
#: the browser revalidates with If-None-Match and usually gets a bodiless 304.
MAX_AGE = 300


@bp.get("/<key>.js")
def script(key):
    """The banner code with the site's configuration, revalidated by ETag."""
    return respond(_script(key), f"public, max-age={MAX_AGE}, stale-while-revalidate=86400")


def _script(key: str) -> Embed:
    # Built once per site and host until the site changes: building takes milliseconds
    # (queries, JSON, two hashes, gzip), and the script is what every new visitor's page asks for.
    def make():
        site = get_site(key)
        return build(site), out_of_date_at(site)

    return snapshots.built(key, ("script", request.host_url), make)


def texts_body(site, language: str, words: Callable = site_texts,
               own_words: dict | None = None, at: datetime | None = None) -> Embed:
    """One part of the texts as served at ``at`` (``words``: the banner's or the dialog's), as
    canonical JSON: a decision records the SHA-256 of both parts together (:func:`keep_shown`)."""
    if language not in site.languages:
        raise APIError(404, "Unknown language.", {"language": f"One of {site.languages}."})
    found = words(site, language, own_words, at) if words is site_texts else words(
        site, language, own_words
    )
    return Embed.of(wording.canonical(found))


def keep_shown(site, language: str, at: datetime | None = None) -> str:
    """Keep the words of both parts under their hash before either is served, so that a
    decision made on them can name them; return the version the banner asks for."""
    sha256 = wording.keep(site, language, texts_shown(site, language, at=at))
    db.session.commit()
    return sha256[:10]


def _texts(
    key: str, language: str, words: Callable = site_texts, upcoming: bool = False
) -> tuple[tuple[Embed, str], datetime | None]:
    site = get_site(key)
    coming = scheduled(site) if upcoming else None
    at = coming.effective_at if coming else None
    embed = texts_body(site, language, words, at=at)
    return (embed, keep_shown(site, language, at)), out_of_date_at(site)


def _texts_at(key: str, language: str, words: Callable, upcoming: bool = False):
    return snapshots.built(
        key, (words.__name__, language, upcoming, request.host_url),
        lambda: _texts(key, language, words, upcoming),
    )


def _respond_texts(key: str, language: str, words: Callable) -> Response:
    embed, version = _texts_at(key, language, words)
    wanted = request.args.get("v")
    if wanted not in (None, version):
        # The pinned script of a scheduled version, put in place before its date.
        upcoming = _texts_at(key, language, words, upcoming=True)
        if wanted == upcoming[1]:
            embed, version = upcoming
    # The script asks for ?v=<digest of these texts>: a new version is a new URL.
    versioned = wanted == version
    cache = "public, max-age=31536000, immutable" if versioned else f"public, max-age={MAX_AGE}"
    return respond(embed, cache, "application/json")


@bp.get("/cookieconsent.d.ts")
def declarations():
    """The TypeScript declarations of ``window.cookieconsent``, for a site's own code."""
    response = current_app.send_static_file("cookieconsent.d.ts")
    # mimetypes would call .ts an MPEG transport stream.
    response.mimetype = "text/plain"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/<key>/texts/<language>.json")
def texts(key, language):
    """The banner's texts in one language, fetched when a visitor has to decide."""
    return _respond_texts(key, language, site_texts)


@bp.get("/<key>/dialog/<language>.json")
def dialog_words(key, language):
    """The preferences dialog's texts and services, fetched when a visitor opens it."""
    return _respond_texts(key, language, dialog_texts)


# No site key has an underscore: this path is never a site's pinned script.
@bp.get("/_dialog/<version>.js")
def dialog_script(version):
    """The preferences dialog's code, the same for every site: this release's, or a 404."""
    embed = dialog()
    if version != embed.digest[:16]:
        raise APIError(
            404,
            "Not this release's dialog; the site's script names the current one.",
            {"version": "Not the current version of the dialog."},
        )
    return respond(embed, "public, max-age=31536000, immutable")


def _pinned(key: str) -> dict[str, Embed]:
    """The pinned variants that answer now, by version: the current one; the one of before
    the announcement of a scheduled policy version began; the one of that version's date."""

    def make():
        site = get_site(key)
        now = utcnow()
        moments = [now]
        coming = scheduled(site, now)
        if coming is not None:
            moments.append(coming.effective_at)
            announcing = coming.effective_at - timedelta(site.announce_days)
            if site.announce_days and announcing <= now:
                moments.append(announcing - timedelta(microseconds=1))
        embeds = (build(site, at=moment) for moment in moments)
        return {embed.digest[:16]: embed for embed in embeds}, out_of_date_at(site)

    return snapshots.built(key, ("pinned", request.host_url), make)


@bp.get("/<key>/<version>.js")
def pinned(key, version):
    """The pinned variant for Subresource Integrity: these exact bytes, or nothing."""
    embed = _pinned(key).get(version)
    if embed is None:
        raise APIError(
            404,
            "This pinned version is no longer current; print the new tag with "
            "`flask --app wsgi sites embed KEY`.",
            {"version": "Not the current version of the script."},
        )
    return respond(embed, "public, max-age=31536000, immutable")


def respond(embed: Embed, cache_control: str, mimetype: str = "text/javascript") -> Response:
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    # One entity tag per encoding: the two bodies differ byte for byte.
    etag = embed.digest[:32] + ("-gz" if gzipped else "")
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(embed.gzipped if gzipped else embed.body, mimetype=mimetype)
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Accept-Encoding")
    # A public script: any page may load it, also with crossorigin="anonymous" for SRI.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
