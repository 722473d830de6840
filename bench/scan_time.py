"""The cookie scanner's time per page: 20 loopback pages, three passes, in Chromium.

Run: ``python -m bench.scan_time [PAGES]``. The consent server and the host site are served from
threads of this process on loopback; the figure is wall time per page visit (all passes).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def _serve(wsgi_app, host: str):
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_port}"


def main(pages: int = 20) -> None:
    from cookieconsent import create_app
    from cookieconsent.extensions import db
    from cookieconsent.scanner import runs
    from cookieconsent.scanner.browser import Limits
    from cookieconsent.sites import policies, registry

    folder = tempfile.mkdtemp(prefix="scan-bench-")
    app = create_app({"ENV": "testing", "SECRET_KEY": "b" * 48, "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3"})
    consent_server, server_url = _serve(app, "127.0.0.1")

    def host(environ, start_response):
        path = Request(environ).path
        links = "".join(f'<a href="/p/{i}">{i}</a> ' for i in range(1, pages))
        body = links if path == "/" else f"<p>{path}</p>"
        tag = f'<script src="{server_url}/embed/shop.js" defer></script>'
        html = f'<!doctype html><html lang="ru"><head><title>Shop</title>{tag}</head>' \
            f"<body>{body}</body></html>"
        return Response(html, mimetype="text/html")(environ, start_response)

    host_server, host_url = _serve(host, "localhost")
    with app.app_context():
        db.create_all()
        site = registry.create_site("shop", "Shop", [host_url])
        texts = {lang: {"title": "Policy", "body": "Cookie policy."} for lang in site.languages}
        policies.publish(policies.draft(site, texts, significant=True))
        db.session.commit()
        started = time.perf_counter()
        row = runs.run(site, actor="bench", server_origin=server_url,
                       limits=Limits(pages=pages, scan_seconds=600))
        elapsed = time.perf_counter() - started
        visits = sum(len(p["pages"]) for p in row.report["passes"])
        print(f"{row.pages} pages, {visits} visits in three passes, {elapsed:.1f} s: "
              f"{elapsed / visits:.2f} s per visit, {elapsed / row.pages:.2f} s per page")
    host_server.shutdown()
    consent_server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
