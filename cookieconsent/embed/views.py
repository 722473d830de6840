"""Serving the banner script with the site's configuration, one request for everything."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime

from flask import Response, request

from ..errors import APIError
from ..extensions import db
from ..sites import snapshots, wording
from ..sites.registry import get_site
from .blueprint import bp
from .payload import Embed, build, out_of_date_at, site_texts

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


def texts_body(site, language: str, own_words: dict | None = None) -> Embed:
    """The texts as served: their canonical JSON, whose SHA-256 a decision records."""
    if language not in site.languages:
        raise APIError(404, "Unknown language.", {"language": f"One of {site.languages}."})
    data = wording.canonical(site_texts(site, language, own_words))
    return Embed(data, hashlib.sha256(data).hexdigest(), "", gzip.compress(data, 9, mtime=0))


def _texts(key: str, language: str) -> tuple[tuple[Embed, str], datetime | None]:
    site = get_site(key)
    embed = texts_body(site, language)
    # Kept before it is served: a decision made on these words can name them.
    wording.keep(site, language, json.loads(embed.body))
    db.session.commit()
    return (embed, embed.digest[:10]), out_of_date_at(site)


@bp.get("/<key>/texts/<language>.json")
def texts(key, language):
    """The banner's texts in one language, fetched when a visitor has to decide."""
    embed, version = snapshots.built(
        key, ("texts", language, request.host_url), lambda: _texts(key, language)
    )
    # The script asks for ?v=<digest of these texts>: a new version is a new URL.
    versioned = request.args.get("v") == version
    cache = "public, max-age=31536000, immutable" if versioned else f"public, max-age={MAX_AGE}"
    return respond(embed, cache, "application/json")


@bp.get("/<key>/<version>.js")
def pinned(key, version):
    """The pinned variant for Subresource Integrity: these exact bytes, or nothing."""
    embed = _script(key)
    if version != embed.digest[: len(version)] or len(version) != 16:
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
