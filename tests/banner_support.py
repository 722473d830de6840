"""Helpers shared by the banner's browser tests: host pages, fake trackers, waiting for rows."""

from __future__ import annotations

import json
import time

from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from cookieconsent.extensions import db
from cookieconsent.models import ConsentEvent

COUNTER = 44556677

#: Stands in for Yandex's tag.js (no internet here): it leaves the traces the real one does.
FAKE_METRIKA = (
    "document.cookie='_ym_uid=1700000000123; path=/';"
    "document.cookie='_ym_d=1700000000; path=/';"
    "localStorage.setItem('_ym_test','1');"
    "window.metrikaLoaded=(window.metrikaLoaded||0)+1;"
)
FAKE_GTAG = "window.gtagLoaded=(window.gtagLoaded||0)+1;"

TRACKER_HOSTS = ("yandex", "google", "doubleclick", "youtube")


class Trackers:
    """Answers every request to a Yandex or Google host with a fake tag, and counts them."""

    def __init__(self, page):
        self.requests: list[str] = []
        page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        host = url.split("/")[2] if "//" in url else ""
        if not any(name in host for name in TRACKER_HOSTS):
            return route.fallback()
        self.requests.append(url)
        body = FAKE_METRIKA if "yandex" in host else FAKE_GTAG
        return route.fulfill(status=200, content_type="text/javascript", body=body)


def host_page(server: str, key: str, *, lang: str = "ru", extra: str = "", tag_attrs: str = "",
              head: str = "", nonce: str = "") -> str:
    """A small shop page that embeds the banner and marks an analytics script and a video."""
    nonce_attr = f' nonce="{nonce}"' if nonce else ""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title>
<script src="{server}/embed/{key}.js" {tag_attrs} defer></script>{head}</head>
<body><header><a href="/">Shop</a></header>
<main><h1>Catalogue</h1><p>Tea, honey and dried apricots from Almaty.</p>
<script type="text/plain" data-category="analytics"{nonce_attr}>
window.gatedRan = (window.gatedRan||0)+1;</script>
<iframe data-category="functional" data-src="/video" width="320" height="180"
        title="Video"></iframe>
<p><button type="button" data-consent-open>Cookie settings</button></p>
{extra}</main><footer><p>Shop LLP</p></footer></body></html>"""


def banner(page):
    return page.locator("#cookieconsent .bar")


def action(page, name):
    return page.locator(f'#cookieconsent [data-consent-action="{name}"]')


def events(site_id: int) -> list[ConsentEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ConsentEvent).where(ConsentEvent.site_id == site_id).order_by(ConsentEvent.id)
        )
    )


def wait_for_events(site_id: int, count: int, timeout: float = 30) -> list[ConsentEvent]:
    """The site's events once there are ``count`` of them (the POST runs in the browser)."""
    deadline = time.monotonic() + timeout
    while True:
        found = events(site_id)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def cookie_names(page) -> set[str]:
    return {c["name"] for c in page.context.cookies()}


def consent_cookie(page, timeout: float = 30, name: str = "cc_shop") -> str | None:
    """The receipt in the site's decision cookie (``cc_<key>``), once there is one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for cookie in page.context.cookies():
            if cookie["name"] == name:
                return cookie["value"]
        page.wait_for_timeout(50)
    return None


def record(client, site, **overrides) -> str:
    """A receipt for ``site`` from the API, as the preference page would get one."""
    body = {"site": site.key, "revision": 1, "language": "ru", "method": "preference_page",
            "action": "custom", "choices": {"functional": False, "analytics": True}}
    answer = client.post("/api/v1/consents", json=body | overrides)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["receipt"]


def ym_traces(page) -> tuple[set, list]:
    cookies = {n for n in cookie_names(page) if n.startswith("_ym")}
    keys = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('_ym'))")
    return cookies, keys


def assert_no_violations(page):
    # Measure contrast on the settled dialog, not halfway through its fade-in.
    page.wait_for_function(
        "document.getElementById('cookieconsent').shadowRoot.getAnimations().length === 0"
    )
    results = Axe().run(page)
    # generate_report() cannot print shadow-DOM targets (lists): name them here instead.
    found = [
        (v["id"], node["target"], node["failureSummary"])
        for v in results.response["violations"]
        for node in v["nodes"]
    ]
    assert results.violations_count == 0, found


def words_shown_sha256(client, key: str, language: str, banner_body: bytes | None = None) -> str:
    """The hash a decision records of the words the banner served: its texts and the
    dialog's, hashed together (``banner_body``: the texts as a browser received them)."""
    from cookieconsent.sites import wording

    if banner_body is None:
        banner_body = client.get(f"/embed/{key}/texts/{language}.json").data
    dialog = client.get(f"/embed/{key}/dialog/{language}.json").get_json()
    return wording.digest({"banner": json.loads(banner_body), "dialog": dialog})
