"""The preferences dialog comes on first use, in Chromium: not on a first visit, from the HTTP
cache on a later page view, refused if its bytes are not the release's.

No request routing here (it would turn the browser's cache off): what the consent server
served is counted on the server.
"""

from __future__ import annotations

import threading

import pytest
from banner_support import action, host_page, wait_for_events
from flask import request, request_started

from cookieconsent.embed import views
from cookieconsent.embed.payload import Embed, dialog

pytestmark = pytest.mark.browser


@pytest.fixture
def served(app):
    """The paths (with query) the consent server was asked for, in order."""
    paths: list[str] = []

    def note(sender, **extra):
        paths.append(request.full_path.rstrip("?"))

    request_started.connect(note, app)
    yield paths
    request_started.disconnect(note, app)


def dialog_requests(paths: list[str]) -> list[str]:
    return [p for p in paths if "/_dialog/" in p or "/dialog/" in p]


@pytest.fixture
def shop_url(live_server, host_site, shop):
    return host_site.page("/", host_page(live_server.url, shop.key))


def test_a_first_visit_does_not_download_the_dialog_and_customise_does(
    page, shop_url, shop, served
):
    page.goto(shop_url)
    action(page, "accept-all").wait_for()
    page.wait_for_load_state("networkidle")
    assert dialog_requests(served) == []
    assert any("/embed/shop/texts/ru.json" in p for p in served)

    action(page, "customize").click()
    opened = page.locator('#cookieconsent [role="dialog"][aria-modal="true"]')
    opened.wait_for()
    # The texts only the dialog shows came with it: descriptions, services, cookie counts.
    text = opened.inner_text()
    assert "Помогают понять" in text and "Яндекс.Метрика" in text
    assert "6 файлов cookie: _ym_*" in text
    assert sorted(p.split("?")[0] for p in dialog_requests(served)) == [
        "/embed/_dialog/" + dialog().digest[:16] + ".js", "/embed/shop/dialog/ru.json",
    ]
    page.locator('#cookieconsent input[data-category="analytics"]').check()
    action(page, "save").click()
    [event] = wait_for_events(shop.id, 1)
    assert event.action == "custom" and event.choices["analytics"] is True


def test_a_later_page_view_opens_the_dialog_from_the_http_cache(page, shop_url, served):
    page.goto(shop_url)
    action(page, "customize").click()
    page.locator("#cookieconsent .dlg").wait_for()
    page.keyboard.press("Escape")
    fetched = dialog_requests(served)
    assert len(fetched) == 2

    page.goto(shop_url)
    page.locator("[data-consent-open]").click()
    page.locator("#cookieconsent .dlg").wait_for()
    assert page.locator('#cookieconsent input[data-category="analytics"]').is_visible()
    assert dialog_requests(served) == fetched


def test_a_dialog_whose_bytes_are_not_the_releases_is_refused(
    page, shop_url, served, monkeypatch
):
    real = dialog()
    tampered = b"cookieconsent._dialog=function(){document.title='tampered'};\n"
    forged = Embed.of(tampered)
    # The same URL and digest as the release's, other bytes: what a tampering cache would serve.
    monkeypatch.setattr(views, "dialog", lambda: Embed(tampered, real.digest, "", forged.gzipped))
    errors: list = []
    page.on("console", lambda m: errors.append(m.text))
    page.goto(shop_url)
    action(page, "customize").click()
    page.wait_for_function("document.querySelectorAll('script[src*=\"/_dialog/\"]').length > 0")
    page.wait_for_load_state("networkidle")
    assert any("/_dialog/" in p for p in served)
    assert page.title() == "Shop"
    assert page.locator("#cookieconsent .dlg").count() == 0
    assert any("integrity" in e for e in errors)


def test_under_a_nonce_only_policy_the_dialog_takes_the_tags_nonce(
    page, live_server, host_site, shop
):
    # No host in script-src: only scripts that carry the page's nonce run.
    policy = (f"script-src 'nonce-r4nd0m'; connect-src {live_server.url}; "
              "style-src 'self'; object-src 'none'; base-uri 'none'")
    html = host_page(live_server.url, shop.key, tag_attrs='nonce="r4nd0m"', nonce="r4nd0m")
    page.goto(host_site.page("/strict", html, headers={"Content-Security-Policy": policy}))
    action(page, "customize").click()
    page.locator("#cookieconsent .dlg").wait_for()


def test_a_visitor_who_decides_while_the_dialog_loads_does_not_get_it(
    page, shop_url, shop, monkeypatch
):
    arrived = threading.Event()
    # The dialog's code is held back until the visitor has pressed Accept all.
    monkeypatch.setattr(views, "dialog", lambda: arrived.wait(30) and dialog())
    page.goto(shop_url)
    action(page, "customize").click()
    action(page, "accept-all").click()
    wait_for_events(shop.id, 1)
    arrived.set()
    page.wait_for_function("window.cookieconsent._dialog !== undefined")
    page.wait_for_load_state("networkidle")
    page.evaluate("new Promise(done => requestAnimationFrame(done))")
    assert page.locator("#cookieconsent .dlg").count() == 0
    assert page.locator("#cookieconsent .fab").is_visible()
