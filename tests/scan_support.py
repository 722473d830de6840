"""Host sites for the scanner's tests: a small WSGI app of pages, scripts, redirects, cookies."""

from __future__ import annotations

import json
import socket

from banner_support import COUNTER
from conftest import _Server
from sqlalchemy import select
from werkzeug.wrappers import Request, Response

from cookieconsent.extensions import db
from cookieconsent.models import ScanReport

#: Stand-ins for the trackers' tags, served by the host site itself (no internet here).
FAKE_GTAG = "document.cookie='_ga=GA1.1.123.456; path=/; max-age=63072000';"
FAKE_METRIKA = (
    "document.cookie='_ym_uid=1700000000123; path=/; max-age=31536000';"
    "document.cookie='_ym_d=1700000000; path=/; max-age=31536000';"
)
#: Yandex's official snippet, as builders paste it: it runs at once and loads tag.js.
METRIKA_SNIPPET = (
    "(function(m,e,t,r,i,k,a){m[i]=m[i]||function(){(m[i].a=m[i].a||[]).push(arguments)};"
    "m[i].l=1*new Date();k=e.createElement(t),a=e.getElementsByTagName(t)[0],k.async=1,"
    "k.src=r,a.parentNode.insertBefore(k,a)})"
    '(window, document, "script", "https://mc.yandex.ru/metrika/tag.js", "ym");'
    f'ym({COUNTER}, "init", {{clickmap:true, trackLinks:true, webvisor:true}});'
)


class Pages:
    """An origin serving ``pages`` (HTML), ``scripts`` (JS), ``redirects`` and ``cookies``."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        self.scripts: dict[str, str] = {}
        self.redirects: dict[str, str] = {}
        self.set_cookies: dict[str, str] = {}
        self.robots = ""
        self.hits: list[str] = []
        self._server = _Server(self._wsgi, host="localhost")
        self.url = self._server.url

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        path = request.path
        self.hits.append(path)
        if path == "/robots.txt" and self.robots:
            response = Response(self.robots, mimetype="text/plain")
        elif path in self.redirects:
            response = Response("", status=302, headers={"Location": self.redirects[path]})
        elif path in self.scripts:
            response = Response(self.scripts[path], mimetype="text/javascript")
        elif path in self.pages:
            response = Response(self.pages[path], mimetype="text/html")
            if path in self.set_cookies:
                response.headers["Set-Cookie"] = self.set_cookies[path]
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def stop(self):
        self._server.stop()


def page(server: str, key: str, body: str = "", head: str = "") -> str:
    return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Shop</title>
<script src="{server}/embed/{key}.js" defer></script>{head}</head>
<body><main><h1>Shop</h1>{body}</main></body></html>"""


class Silent:
    """An origin that accepts connections and never answers: a page that never loads."""

    def __init__(self):
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.url = f"http://localhost:{self._socket.getsockname()[1]}"

    def stop(self):
        self._socket.close()


def scan_json(result) -> dict:
    return json.loads(result.output[result.output.index("{"):])


def stored_reports(site) -> list[ScanReport]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(ScanReport).where(ScanReport.site_id == site.id).order_by(ScanReport.id)
    ))
