"""The banner's accessibility, keyboard use, strict CSP and style isolation, in Chromium."""

from __future__ import annotations

import pytest
from banner_support import (
    COUNTER,
    Trackers,
    action,
    assert_no_violations,
    banner,
    host_page,
    wait_for_events,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(make_site, host_site):
    site = make_site(origins=[host_site.url], metrika=COUNTER)
    host_site.page("/video", "<!doctype html><title>Video</title><p>video</p>")
    return site


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_axe_finds_nothing_with_the_banner_and_with_the_preferences_open(
    page, live_server, host_site, shop, lang
):
    Trackers(page)
    page.goto(host_site.page("/", host_page(live_server.url, shop.key, lang=lang)))
    action(page, "customize").wait_for()
    assert_no_violations(page)

    action(page, "customize").click()
    dialog = page.locator('#cookieconsent [role="dialog"][aria-modal="true"]')
    dialog.wait_for()
    assert_no_violations(page)


def focused_action(page) -> str | None:
    return page.evaluate(
        "(() => { const root = document.getElementById('cookieconsent');"
        " const el = root && root.shadowRoot.activeElement;"
        " return el && (el.dataset.consentAction || el.dataset.category || el.className); })()"
    )


def tab_to(page, wanted: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_action(page) == wanted:
            return
    raise AssertionError(f"Tab never reached {wanted!r}")


def test_a_keyboard_user_opens_preferences_turns_analytics_on_and_saves(
    page, live_server, host_site, shop
):
    trackers = Trackers(page)
    page.goto(host_site.page("/", host_page(live_server.url, shop.key)))
    action(page, "customize").wait_for()
    tab_to(page, "customize")
    page.keyboard.press("Enter")
    page.locator('#cookieconsent [aria-modal="true"]').wait_for()
    tab_to(page, "analytics")
    page.keyboard.press("Space")
    tab_to(page, "save")
    page.keyboard.press("Enter")
    [event] = wait_for_events(shop.id, 1)
    assert event.method == "preferences" and event.action == "custom"
    assert event.choices == {"essential": True, "functional": False, "analytics": True}
    page.wait_for_function("window.metrikaLoaded === 1")
    assert trackers.requests
    # Focus is not lost on the page: it lands on the button that reopens the dialog.
    assert focused_action(page) == "fab"


def test_the_dialog_traps_focus_closes_on_escape_and_gives_focus_back(
    page, live_server, host_site, shop
):
    Trackers(page)
    page.goto(host_site.page("/", host_page(live_server.url, shop.key)))
    action(page, "customize").click()
    page.locator('#cookieconsent [aria-modal="true"]').wait_for()
    seen = set()
    for _ in range(25):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "cookieconsent"
        seen.add(focused_action(page))
    assert {"accept-all", "reject-all", "save", "analytics", "functional"} <= seen
    page.keyboard.press("Escape")
    assert page.locator('#cookieconsent [aria-modal="true"]').count() == 0
    assert focused_action(page) == "customize"
    assert banner(page).is_visible()


def test_the_banner_works_under_a_strict_csp_and_keeps_its_look(
    page, live_server, host_site, shop
):
    trackers = Trackers(page)
    csp = (
        f"default-src 'self'; script-src 'self' {live_server.url} https://mc.yandex.ru "
        f"'nonce-r4nd0m'; connect-src 'self' {live_server.url} https://mc.yandex.ru; "
        "style-src 'self' 'nonce-r4nd0m'; img-src 'self' https://mc.yandex.ru; frame-src 'self'; "
        "object-src 'none'; base-uri 'none'"
    )
    violations: list = []
    page.on("console",
            lambda m: violations.append(m.text) if "Content Security" in m.text else None)
    hostile = ("<style nonce='r4nd0m'>button{display:none!important}"
               "*{font-size:40px!important;color:red!important}</style>"
               '<p class="bar b" id="site-b">an element of the site with the same classes</p>')
    html = host_page(live_server.url, shop.key, extra=hostile, nonce="r4nd0m")
    page.goto(host_site.page("/", html, headers={"Content-Security-Policy": csp}))
    accept = action(page, "accept-all")
    accept.wait_for()
    # The site's CSS does not reach into the banner...
    look = accept.evaluate("b => (s => [s.backgroundColor, s.fontSize])(getComputedStyle(b))")
    assert look == ["rgb(10, 83, 190)", "15px"]
    # ...and the banner's CSS does not reach the site.
    own = page.evaluate("(s => [s.position, s.borderTopWidth])"
                        "(getComputedStyle(document.getElementById('site-b')))")
    assert own == ["static", "0px"]
    accept.click()
    # wait_for_function would need 'unsafe-eval'; evaluate() is not subject to the page's CSP.
    for _ in range(100):
        if page.evaluate("window.metrikaLoaded === 1 && window.gatedRan === 1"):
            break
        page.wait_for_timeout(50)
    assert page.evaluate("[window.metrikaLoaded, window.gatedRan]") == [1, 1]
    assert trackers.requests
    assert violations == []


def test_the_banner_causes_no_layout_shift(page, live_server, host_site, shop):
    Trackers(page)
    page.add_init_script(
        "window.__cls = 0; new PerformanceObserver(l => l.getEntries().forEach(e => {"
        " if (!e.hadRecentInput) window.__cls += e.value; }))"
        ".observe({type: 'layout-shift', buffered: true});"
    )
    page.goto(host_site.page("/", host_page(live_server.url, shop.key)))
    action(page, "accept-all").wait_for()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__cls") == 0
