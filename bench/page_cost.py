"""What the banner costs a host page, measured in Chromium against a bare page in the same run.

    python bench/page_cost.py

The consent server and a host page on another origin are served from this process, with two
sites: the demo (Metrika, a video, a guarded feedback form) and a big one (five categories,
nine services, its own colours, layout and Kazakh words, in Kazakh, no guarded form). For
each case the table shows the gzipped bytes the browser received from the consent server, the
requests, the cumulative layout shift, and the time from DOMContentLoaded to the banner being
on screen; then what opening the preferences dialog costs. Budget: 8,000 bytes gzipped for
a first-time visitor.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET = 8000
BIG_KEY = "big"
#: The big site's services beside Metrika, in five categories.
BIG_SERVICES = [
    ("session", "Session", "essential", "", ["session_id"], []),
    ("cart", "Cart", "essential", "", ["cart_token"], ["cart"]),
    ("chat", "Online chat", "functional", "JivoSite", ["jv_*"], ["jv_*"]),
    ("video", "Video player", "functional", "YouTube", ["VISITOR_INFO1_LIVE", "YSC"], []),
    ("maps", "Maps", "functional", "2GIS", ["dg_*"], []),
    ("ga", "Google Analytics", "analytics", "Google", ["_ga", "_ga_*", "_gid"], []),
    ("vk", "VK pixel", "marketing", "VK", ["tmr_*"], ["tmr_*"]),
    ("push", "Push notifications", "notifications", "OneSignal", ["onesignal_*"], ["OneSignal*"]),
]
#: Its own colours, a dark palette and a layout of its own, as an operator sets them.
BIG_LOOK = {
    "dark_mode": True, "radius": 4, "layout": "bar",
    "light": {"bg": "#fdf6e3", "text": "#073642", "primary": "#005f5f", "link": "#1d4f91"},
    "dark": {"bg": "#002b36", "text": "#eee8d5", "primary": "#2aa198", "primary_text": "#002b36"},
}
#: Its own words in Kazakh, over the catalogs'.
BIG_WORDS = {"kk": {
    "title": "Cookie файлдары және сіздің таңдауыңыз",
    "intro": "Сайт жұмыс істеуі үшін қажетті cookie файлдарын әрқашан пайдаланамыз. Талдау, "
             "жарнама және хабарландыру cookie файлдары тек сіздің келісіміңізбен қосылады.",
    "accept_all": "Бәрін қабылдау",
    "reject_all": "Бәрінен бас тарту",
}}
CHROMIUM = "/usr/bin/chromium"
#: Records layout shifts and the first frame on which the banner (or floating button) is drawn.
PROBE = """
window.__cls = 0;
new PerformanceObserver(list => list.getEntries().forEach(e => {
  if (e.hadRecentInput) return;
  window.__cls += e.value;
  (window.__shifts = window.__shifts || []).push(e.sources.map(s => s.node && s.node.outerHTML &&
    s.node.outerHTML.slice(0, 60)));
})).observe({type: 'layout-shift', buffered: true});
(function watch() {
  const root = document.getElementById('cookieconsent');
  const shown = root && root.shadowRoot && root.shadowRoot.querySelector('.bar,.fab');
  if (shown && shown.getBoundingClientRect().height > 0) window.__shown = performance.now();
  else requestAnimationFrame(watch);
})();
"""


class Meter:
    """Counts the requests and body bytes the consent server really sends."""

    def __init__(self, app):
        self.app, self.log = app, []

    def __call__(self, environ, start_response):
        status = []

        def start(code, headers, exc_info=None):
            status.append(code)
            return start_response(code, headers, exc_info)

        body = b"".join(self.app(environ, start))
        self.log.append((environ["PATH_INFO"], status[0].split()[0], len(body),
                         environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_CACHE_CONTROL")))
        return [body]


class Server:
    """A WSGI app on a free loopback port, in a thread."""

    def __init__(self, app, host: str):
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()


def host_app(pages: dict[str, str]):
    """The host site: fixed pages, everything else a 404."""

    def app(environ, start_response):
        body = pages.get(environ["PATH_INFO"])
        status = "200 OK" if body is not None else "404 Not Found"
        start_response(status, [("Content-Type", "text/html; charset=utf-8")])
        return [(body or "not found").encode()]

    return app


def shop_page(lang: str, script: str) -> str:
    """A shop page much like the demo: text, a gated Metrika snippet, a video, a form."""
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>Shop</title>{script}</head>
<body><header><h1>Shop</h1><nav><a href="/">Catalogue</a></nav></header><main>
<p>{"Tea, honey and dried apricots from Almaty. " * 30}</p>
<script type="text/plain" data-category="analytics">window.gated = 1;</script>
<iframe data-category="functional" data-src="/video" width="560" height="315"
 title="Video"></iframe>
<form data-consent-form="feedback" method="post" action="/thanks"><label>Name
<input name="name"></label><label>Phone <input name="phone" type="tel"></label>
<textarea name="message" aria-label="Message"></textarea>
<label><input type="checkbox" data-consent-checkbox> I agree</label><p></p>
<button>Send</button></form>
<p>{"Delivery across Kazakhstan in two to five days. " * 30}</p></main></body></html>"""


def big_site(origin: str):
    """A site with five categories, nine services, its own look and Kazakh words, a policy in
    force, and no guarded form."""
    from cookieconsent.demo import seed
    from cookieconsent.models import Service
    from cookieconsent.sites import categories, look, policies, registry, wording

    site = registry.create_site(BIG_KEY, "Big shop", [origin])
    site.forms = []
    for category in ("marketing", "notifications"):
        categories.add(site, category)
    registry.add_metrika(site, seed.DEMO_METRIKA_COUNTER)
    for key, name, category, provider, cookies, storage in BIG_SERVICES:
        site.services.append(Service(key=key, name=name, category=category, provider=provider,
                                     cookies=cookies, storage_keys=storage))
    site.look = look.clean(BIG_LOOK)
    site.wording = wording.clean(site, BIG_WORDS)
    policies.publish(policies.draft(site, seed.COOKIE_POLICY, significant=True))
    return site


def measure(browser, url: str, meter: Meter, cookies: list | None = None, reload: bool = False):
    """(gzipped bytes from the server, requests, CLS, DOMContentLoaded→banner ms) of a visit."""
    context = browser.new_context(locale="ru-RU")
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.add_init_script(PROBE)
    if reload:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    meter.log.clear()
    page.goto(url) if not reload else page.reload()
    page.wait_for_load_state("networkidle")
    has_banner = "/embed/" in page.content()
    if has_banner:
        page.wait_for_function("window.__shown !== undefined", timeout=10000)
    page.wait_for_timeout(300)
    seen = list(meter.log)
    if os.environ.get("VERBOSE"):
        print(url, seen, page.evaluate("window.__shifts"))
    sent = sum(entry[2] for entry in seen)
    cls, shown, dcl = page.evaluate(
        "[window.__cls, window.__shown,"
        " performance.getEntriesByType('navigation')[0].domContentLoadedEventStart]"
    )
    state = context.cookies()
    context.close()
    return sent, len(seen), cls, (shown - dcl) if shown is not None else None, state


def decided(browser, url: str) -> list:
    """The cookies of a visitor who refused on ``url``: to come back as a returning visitor."""
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.goto(url)
    page.locator('#cookieconsent [data-consent-action="reject-all"]').click()
    page.wait_for_function("document.cookie.split('; ').some(c => c.startsWith('cc_'))")
    cookies = context.cookies()
    context.close()
    return cookies


def dialog_cost(browser, url: str, meter: Meter) -> tuple[tuple, tuple]:
    """(bytes, requests) of the first Customise of a first visit, and of one in a later view."""
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    costs = []
    for _ in range(2):
        page.goto(url)
        customize = page.locator('#cookieconsent [data-consent-action="customize"]')
        customize.wait_for()
        page.wait_for_load_state("networkidle")
        meter.log.clear()
        customize.click()
        page.locator("#cookieconsent .dlg").wait_for()
        page.wait_for_load_state("networkidle")
        costs.append((sum(entry[2] for entry in meter.log), len(meter.log)))
    context.close()
    return costs[0], costs[1]


def demo_servers(prefix: str):
    """``(meter, consent, host, pages, tag)``: the consent server with the demo site and the big
    site, metered, and a host site on another origin serving ``pages``; ``tag`` embeds the
    demo's banner."""
    from cookieconsent import create_app
    from cookieconsent.demo import seed
    from cookieconsent.extensions import db
    workdir = tempfile.mkdtemp(prefix=prefix)
    app = create_app({
        "ENV": "testing",
        "SECRET_KEY": os.urandom(32).hex(),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite3",
        "RATELIMIT_ENABLED": False,
    })
    meter = Meter(app.wsgi_app)
    app.wsgi_app = meter
    consent = Server(app, "127.0.0.1")
    pages: dict[str, str] = {}
    host = Server(host_app(pages), "localhost")
    with app.app_context():
        db.create_all()
        seed.seed([host.url])
        big_site(host.url)
        db.session.commit()
    tag = f'<script src="{consent.url}/embed/{seed.DEMO_KEY}.js" defer></script>'
    return meter, consent, host, pages, tag


def main() -> int:
    from playwright.sync_api import sync_playwright

    from cookieconsent.demo import seed

    meter, consent, host, pages, tag = demo_servers("page_cost-")
    pages.update({
        "/bare": shop_page("ru", ""),
        "/ru": shop_page("ru", tag),
        "/kk": shop_page("kk", tag),
        "/big": shop_page("kk", tag.replace(f"/{seed.DEMO_KEY}.js", f"/{BIG_KEY}.js")),
        "/video": "<!doctype html><title>Video</title>",
    })

    rows = []
    with sync_playwright() as playwright:
        # No request interception: it would turn the browser's cache off. Trackers go nowhere.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--host-resolver-rules=MAP *.yandex.ru ~NOTFOUND"])
        bare = measure(browser, host.url + "/bare", meter)
        rows.append(("bare page (baseline)",) + bare[:4])
        first = measure(browser, host.url + "/ru", meter)
        rows.append(("first visit, page ru = browser ru",) + first[:4])
        other = measure(browser, host.url + "/kk", meter)
        rows.append(("first visit, page kk, browser ru",) + other[:4])
        # A returning visitor: decide once, then come back.
        cookies = decided(browser, host.url + "/ru")
        back = measure(browser, host.url + "/ru", meter, cookies=cookies, reload=True)
        rows.append(("returning visitor, reload (cached script)",) + back[:4])
        big = measure(browser, host.url + "/big", meter)
        rows.append(("big site: first visit, page kk, browser ru",) + big[:4])
        cookies = decided(browser, host.url + "/big")
        big_back = measure(browser, host.url + "/big", meter, cookies=cookies, reload=True)
        rows.append(("big site: returning visitor, reload",) + big_back[:4])
        dialogs = [("demo, page kk", dialog_cost(browser, host.url + "/kk", meter)),
                   ("big site, page kk", dialog_cost(browser, host.url + "/big", meter))]
        browser.close()
    consent.stop()
    host.stop()

    print(f"{'case':44} {'gzip bytes':>10} {'requests':>8} {'CLS':>6} {'DCL→banner ms':>14}")
    for name, sent, count, cls, shown in rows:
        when = f"{shown:.1f}" if shown is not None else "-"
        print(f"{name:44} {sent:>10} {count:>8} {cls:>6.3f} {when:>14}")
    print(f"\n{'opening the preferences dialog':48} {'gzip bytes':>10} {'requests':>8}")
    for name, (first_open, later_open) in dialogs:
        print(f"{name + ': first Customise':48} {first_open[0]:>10} {first_open[1]:>8}")
        print(f"{name + ': Customise in a later page view':48} {later_open[0]:>10}"
              f" {later_open[1]:>8}")
    firsts = (first, other, big)
    worst = max(case[0] for case in firsts)
    verdict = "within" if worst <= BUDGET else "OVER"
    print(f"\nfirst-visit download: demo {first[0]} B (matched language), {other[0]} B (other"
          f" language), big site {big[0]} B; budget {BUDGET} B: {verdict}")
    shift = max(case[2] for case in firsts)
    print(f"CLS added by the banner: {shift - bare[2]:.3f} (goal 0)")
    return 0 if worst <= BUDGET and shift <= bare[2] else 1


if __name__ == "__main__":
    sys.exit(main())
