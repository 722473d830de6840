"""Our banner beside its peers on the same host page, in the same run: vanilla-cookieconsent, klaro.

    python -m bench.peers [--rounds 5]

The peers come from the npm registry, installed with the machine's npm into ``bench/out/peers``
(git-ignored), and are served gzipped from a server of their own, as ours is from the consent
server; each is set up as a site would set it up for the same page (two categories, Russian
texts). Rounds alternate the four cases (bare page, ours, vanilla-cookieconsent, klaro), each
round in another order, so that the shared machine's noise falls on all alike; the table
gives medians and each peer's ratio to ours.

Per case: gzipped bytes and requests to its server on a first visit, navigation start to the
banner visible, script time (Chromium's ScriptDuration for the whole page, less the bare
page's), cumulative layout shift, and the requests of a returning visitor (same browser,
decided once, reloaded).
"""

from __future__ import annotations

import argparse
import gzip
import json
import mimetypes
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from . import servers
from .page_cost import CHROMIUM, Meter, Server, host_app, shop_page
from .report import Row

PEERS_DIR = servers.OUT / "peers"
PACKAGES = ("vanilla-cookieconsent", "klaro")
#: Shows when the banner (ours, or a peer's) is first drawn, against navigation start.
PROBE = """
window.__cls = 0;
new PerformanceObserver(list => list.getEntries().forEach(e => {
  if (!e.hadRecentInput) window.__cls += e.value;
})).observe({type: 'layout-shift', buffered: true});
(function watch() {
  const ours = document.getElementById('cookieconsent');
  const shown = (ours && ours.shadowRoot && ours.shadowRoot.querySelector('.bar')) ||
    document.querySelector('#cc-main .cm, .klaro .cookie-notice, .klaro .cookie-modal');
  if (shown && shown.getBoundingClientRect().height > 0) window.__shown = performance.now();
  else requestAnimationFrame(watch);
})();
"""
RU = {
    "title": "Мы используем cookie",
    "description": "Обязательные cookie нужны для работы сайта; аналитические помогают нам.",
    "accept": "Принять все",
    "reject": "Отклонить все",
    "settings": "Настроить",
}
VANILLA = """<link rel="stylesheet" href="{cdn}/vanilla-cookieconsent/dist/cookieconsent.css">
<script src="{cdn}/vanilla-cookieconsent/dist/cookieconsent.umd.js" defer></script>
<script>addEventListener('DOMContentLoaded', () => CookieConsent.run({{
  hideFromBots: false,  // the benchmark's browser is driven by a script, as a bot's would be
  categories: {{necessary: {{enabled: true, readOnly: true}}, functional: {{}}, analytics: {{}}}},
  language: {{default: 'ru', translations: {{ru: {{
    consentModal: {{title: {title}, description: {description}, acceptAllBtn: {accept},
                    acceptNecessaryBtn: {reject}, showPreferencesBtn: {settings}}},
    preferencesModal: {{title: {settings}, acceptAllBtn: {accept}, acceptNecessaryBtn: {reject},
      savePreferencesBtn: 'OK', sections: [
        {{title: 'Функциональные', linkedCategory: 'functional'}},
        {{title: 'Аналитика', linkedCategory: 'analytics'}}]}}}}}}}}
}}));</script>"""
KLARO = """<script>var klaroConfig = {{lang: 'ru', mustConsent: false, services: [
  {{name: 'metrika', title: 'Яндекс Метрика', purposes: ['analytics']}},
  {{name: 'video', title: 'Видео', purposes: ['functional']}}]}};</script>
<script src="{cdn}/klaro/dist/klaro.js" defer></script>"""
#: How a visitor refuses, per case, to come back as a returning visitor.
REFUSE = {
    "ours": '#cookieconsent [data-consent-action="reject-all"]',
    "vanilla-cookieconsent": f'#cc-main .cm button:has-text("{RU["reject"]}")',
    "klaro": ".klaro .cn-decline",
}


def install(log=print) -> dict[str, str]:
    """Install the peers with npm (once); their versions by name."""
    if not all((PEERS_DIR / "node_modules" / name / "package.json").exists() for name in PACKAGES):
        PEERS_DIR.mkdir(parents=True, exist_ok=True)
        log(f"  npm install {' '.join(PACKAGES)} into {PEERS_DIR}")
        subprocess.run(["npm", "install", "--prefix", str(PEERS_DIR), "--no-audit", "--no-fund",
                        "--loglevel=error", *PACKAGES], check=True, timeout=600,
                       stdout=subprocess.DEVNULL)
    modules = PEERS_DIR / "node_modules"
    return {
        name: json.loads((modules / name / "package.json").read_text())["version"]
        for name in PACKAGES
    }


def cdn_app(root: Path):
    """The peers' files, gzipped like ours, cacheable like ours (max-age 300, ETag)."""
    def app(environ, start_response):
        path = (root / environ["PATH_INFO"].lstrip("/")).resolve()
        if root not in path.parents or not path.is_file():
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        etag = f'"{int(path.stat().st_mtime)}-{path.stat().st_size}"'
        if environ.get("HTTP_IF_NONE_MATCH") == etag:
            start_response("304 Not Modified", [("ETag", etag)])
            return [b""]
        body = gzip.compress(path.read_bytes(), 9, mtime=0)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        start_response("200 OK", [("Content-Type", kind), ("Content-Encoding", "gzip"),
                                  ("Cache-Control", "public, max-age=300"), ("ETag", etag),
                                  ("Access-Control-Allow-Origin", "*")])
        return [body]

    return app


def visit(browser, url: str, meter: Meter, case: str) -> dict:
    """One first visit and the same browser's return: what the case cost the page."""
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.add_init_script(PROBE)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    meter.log.clear()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if case != "bare page":
        page.wait_for_function("window.__shown !== undefined", timeout=15000)
    page.wait_for_timeout(300)
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    first = {
        "bytes": sum(entry[2] for entry in meter.log),
        "requests": len(meter.log),
        "visible": page.evaluate("window.__shown === undefined ? null : window.__shown"),
        "script": metrics.get("ScriptDuration", 0) * 1000,
        "cls": page.evaluate("window.__cls"),
    }
    if case in REFUSE:
        page.locator(REFUSE[case]).first.click()
        page.wait_for_timeout(300)
        meter.log.clear()
        page.reload()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        # A 304 revalidation counts as a request too.
        first["returning"] = len(meter.log)
    else:
        first["returning"] = 0
    context.close()
    return first


def run(rounds: int = 5, log=print) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    from playwright.sync_api import sync_playwright

    from cookieconsent import create_app
    from cookieconsent.demo import seed
    from cookieconsent.extensions import db

    versions = install(log)
    workdir = tempfile.mkdtemp(prefix="peers-")
    app = create_app({
        "ENV": "testing", "SECRET_KEY": os.urandom(32).hex(),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite3",
        "RATELIMIT_ENABLED": False,
    })
    meter = Meter(app.wsgi_app)
    app.wsgi_app = meter
    consent = Server(app, "127.0.0.1")
    cdn_meter = Meter(cdn_app((PEERS_DIR / "node_modules").resolve()))
    cdn = Server(cdn_meter, "127.0.0.1")
    pages: dict[str, str] = {}
    host = Server(host_app(pages), "localhost")
    with app.app_context():
        db.create_all()
        seed.seed([host.url])
        db.session.commit()
    texts = {key: json.dumps(value, ensure_ascii=False) for key, value in RU.items()}
    heads = {
        "bare page": "",
        "ours": f'<script src="{consent.url}/embed/{seed.DEMO_KEY}.js" defer></script>',
        "vanilla-cookieconsent": VANILLA.format(cdn=cdn.url, **texts),
        "klaro": KLARO.format(cdn=cdn.url),
    }
    paths = {case: f"/{n}" for n, case in enumerate(heads)}
    pages.update({paths[case]: shop_page("ru", head) for case, head in heads.items()})
    pages["/video"] = "<!doctype html><title>Video</title>"
    meters = {"bare page": meter, "ours": meter,
              "vanilla-cookieconsent": cdn_meter, "klaro": cdn_meter}
    samples: dict[str, list[dict]] = {case: [] for case in heads}
    cases = list(heads)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--host-resolver-rules=MAP *.yandex.ru ~NOTFOUND"])
        visit(browser, host.url + paths["ours"], meter, "ours")  # warm-up, not counted
        for n in range(rounds):
            order = cases[n % len(cases):] + cases[: n % len(cases)]
            for case in order:
                samples[case].append(visit(browser, host.url + paths[case], meters[case], case))
        browser.close()
    for server in (consent, cdn, host):
        server.stop()
    medians = {
        case: {key: statistics.median(s[key] or 0 for s in runs) for key in runs[0]}
        for case, runs in samples.items()
    }
    bare_script = medians["bare page"]["script"]
    for case in medians:
        medians[case]["script"] = max(0.0, medians[case]["script"] - bare_script)
    return medians, versions


MEASURES = (
    ("bytes", "first visit: gzipped bytes", "KB", 1 / 1024),
    ("requests", "first visit: requests", "requests", 1),
    ("visible", "navigation → banner visible", "ms", 1),
    ("script", "script time (less the bare page's)", "ms", 1),
    ("cls", "cumulative layout shift", "", 1),
    ("returning", "returning visitor: requests", "requests", 1),
)


def measure(rounds: int = 5, log=print) -> list[Row]:
    medians, versions = run(rounds, log)
    for case, values in medians.items():
        log(f"  {case}: {values}")
    rows = []
    for peer in PACKAGES:
        for key, label, unit, scale in MEASURES:
            rows.append(Row(f"peers: {peer} {versions[peer]}", label, medians[peer][key] * scale,
                            unit, "ours", medians["ours"][key] * scale))
    rows[0].note = f"medians of {rounds} alternating rounds on one host page; ratio = peer / ours"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from .report import table

    print(table(measure(args.rounds)))


if __name__ == "__main__":
    sys.exit(main())
