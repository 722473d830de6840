"""The banner in real Chromium, on a host page served from another origin than the server."""

from __future__ import annotations

import pytest
from banner_support import (
    Trackers,
    action,
    banner,
    consent_cookie,
    host_page,
    wait_for_events,
    ym_traces,
)

from cookieconsent.extensions import db
from cookieconsent.sites import policies

pytestmark = pytest.mark.browser

ACCEPT_LABELS = {"kk": "Барлығын қабылдау", "ru": "Принять все", "en": "Accept all"}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_before_a_decision_the_banner_asks_in_the_page_language_and_nothing_tracks(
    page, open_shop, trackers, lang
):
    open_shop(lang)
    accept = action(page, "accept-all")
    accept.wait_for()
    assert accept.inner_text() == ACCEPT_LABELS[lang]
    for name in ("reject-all", "customize"):
        assert action(page, name).is_visible()
    page.wait_for_timeout(300)
    assert trackers.requests == []
    assert ym_traces(page) == (set(), [])
    assert page.evaluate("window.gatedRan") is None
    assert page.locator("iframe[data-category]").get_attribute("src") is None


def test_reject_all_records_a_refusal_and_loads_nothing(page, open_shop, trackers, shop):
    open_shop()
    action(page, "reject-all").click()
    assert consent_cookie(page)
    [event] = wait_for_events(shop.id, 1)
    assert event.action == "reject_all" and event.choices["analytics"] is False
    assert event.method == "banner" and event.language == "ru"
    assert not banner(page).is_visible()
    page.wait_for_timeout(300)
    assert trackers.requests == [] and ym_traces(page) == (set(), [])
    assert page.evaluate("window.gatedRan") is None


def test_accept_all_starts_metrika_and_a_reload_asks_the_server_nothing(
    page, open_shop, trackers, shop, server_requests, live_server, caplog
):
    open_shop()
    action(page, "accept-all").click()
    page.wait_for_function("window.metrikaLoaded === 1 && window.gatedRan === 1")
    assert any("mc.yandex.ru/metrika/tag.js" in url for url in trackers.requests)
    assert page.locator("iframe[data-category]").get_attribute("src") == "/video"
    assert consent_cookie(page)
    [event] = wait_for_events(shop.id, 1)
    assert event.action == "accept_all" and event.choices == {
        "essential": True, "functional": True, "analytics": True}
    assert page.evaluate("ym.a[0][1]") == "init"
    assert page.evaluate("ym.a[0][2].webvisor") is False

    # Request interception turns Chromium's cache off: stop it to see the cache at work.
    page.unroute_all()
    page.reload()
    page.locator("#cookieconsent .fab").wait_for()
    server_requests.clear()
    caplog.clear()
    page.reload()
    page.locator("#cookieconsent .fab").wait_for()
    page.wait_for_function("window.gatedRan === 1")
    assert not banner(page).is_visible()
    # The script itself, from the cache or revalidated (304); the texts come from storage.
    assert [r.url for r in server_requests] in ([], [f"{live_server.url}/embed/{shop.key}.js"])
    served = [r.getMessage() for r in caplog.records
              if "/embed/" in r.getMessage() or "/api/" in r.getMessage()]
    assert all("/embed/shop.js" in line and '" 304' in line for line in served), served
    assert len(wait_for_events(shop.id, 1)) == 1


def test_withdrawal_deletes_metrika_cookies_and_keys_and_is_recorded(
    page, open_shop, trackers, shop
):
    open_shop()
    action(page, "accept-all").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    assert consent_cookie(page)
    assert ym_traces(page)[0] == {"_ym_uid", "_ym_d"}
    wait_for_events(shop.id, 1)

    page.locator("#cookieconsent .fab").click()
    with page.expect_navigation():
        action(page, "withdraw").click()
    page.wait_for_function("window.cookieconsent !== undefined")
    assert ym_traces(page) == (set(), [])
    assert page.evaluate("window.metrikaLoaded") is None
    events = wait_for_events(shop.id, 2)
    assert [e.event_type for e in events] == ["given", "withdrawn"]
    assert not banner(page).is_visible()


def test_turning_analytics_off_in_preferences_clears_metrika(page, open_shop, trackers, shop):
    open_shop()
    action(page, "accept-all").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    consent_cookie(page)
    [given] = wait_for_events(shop.id, 1)

    page.locator("[data-consent-open]").click()
    page.locator('#cookieconsent input[data-category="analytics"]').uncheck()
    with page.expect_navigation():
        action(page, "save").click()
    page.wait_for_function("window.cookieconsent !== undefined")
    assert ym_traces(page) == (set(), [])
    events = wait_for_events(shop.id, 2)
    assert events[1].event_type == "updated" and events[1].previous_consent_id == given.consent_id
    assert events[1].choices["analytics"] is False and events[1].choices["functional"] is True


def test_a_significant_policy_version_asks_again_and_says_what_changed(
    page, browser, open_shop, shop, live_server, host_site
):
    url = open_shop()
    action(page, "accept-all").click()
    assert consent_cookie(page)
    wait_for_events(shop.id, 1)
    texts = {lang: {"title": "Policy", "body": f"New text ({lang})"} for lang in shop.languages}
    changes = {"ru": "Добавлена Яндекс.Метрика.", "kk": "Яндекс.Метрика қосылды.", "en": "Metrika."}
    policies.publish(policies.draft(shop, texts, significant=True, changes=changes))
    db.session.commit()

    # The same visitor, back after the cached script expired.
    later = browser.new_context(locale="ru-RU")
    later.add_cookies(page.context.cookies())
    again = later.new_page()
    Trackers(again)
    again.goto(url)
    note = again.locator("#cookieconsent .chg")
    note.wait_for()
    assert "Добавлена Яндекс.Метрика." in note.inner_text()
    assert again.evaluate("window.metrikaLoaded") is None
    action(again, "reject-all").click()
    events = wait_for_events(shop.id, 2)
    assert events[1].revision == 2 and events[1].event_type == "updated"
    later.close()


def test_with_the_server_down_the_decision_applies_at_once_and_is_sent_later(
    page, open_shop, trackers, shop, live_server
):
    open_shop()
    page.route(f"{live_server.url}/api/**", lambda route: route.abort())
    action(page, "accept-all").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    page.wait_for_timeout(300)
    assert wait_for_events(shop.id, 1, timeout=0) == []
    assert page.evaluate("localStorage.getItem('cookieconsent:' + 'shop')")

    page.unroute(f"{live_server.url}/api/**")
    page.reload()
    page.wait_for_function("window.metrikaLoaded === 1")
    assert not banner(page).is_visible()
    [event] = wait_for_events(shop.id, 1)
    assert event.action == "accept_all"
    assert consent_cookie(page)
    page.wait_for_function("localStorage.getItem('cookieconsent:shop') === null")


def test_after_a_refusal_the_preferences_offer_nothing_to_withdraw(page, open_shop):
    open_shop()
    action(page, "reject-all").click()
    consent_cookie(page)
    page.locator("[data-consent-open]").click()
    dialog = page.locator("#cookieconsent .dlg")
    dialog.wait_for()
    assert action(page, "withdraw").count() == 0
    # Nothing the condition left out shows: no bare "0" where the button would be.
    texts = dialog.evaluate("d => [...d.childNodes].filter(n => n.nodeType === 3).map(n => n.data)")
    assert texts == []


def test_an_iframe_placeholder_offers_consent_and_shows_the_video(page, open_shop, shop):
    open_shop()
    frame = page.locator("iframe[data-category]")
    allow = page.locator('[data-consent-action="allow"]')
    allow.wait_for()
    assert "Функциональные файлы cookie" in page.locator(".ph").inner_text()
    allow.click()
    page.wait_for_function("document.querySelector('iframe[data-category]').src.endsWith('/video')")
    assert frame.is_visible()
    [event] = wait_for_events(shop.id, 1)
    assert event.choices["functional"] is True and event.choices["analytics"] is False


@pytest.mark.parametrize(
    ("tag_attrs", "html_lang", "expected"),
    [('data-lang="en"', "kk", "en"), ("", "kk", "kk"), ("", "", "ru"), ("", "de", "ru")],
)
def test_the_language_comes_from_the_tag_then_the_page_then_the_browser(
    page, live_server, host_site, shop, trackers, tag_attrs, html_lang, expected
):
    page.goto(host_site.page("/", host_page(live_server.url, shop.key, lang=html_lang,
                                            tag_attrs=tag_attrs)))
    assert action(page, "accept-all").inner_text() == ACCEPT_LABELS[expected]
    assert page.locator("#cookieconsent").get_attribute("lang") == expected


def test_global_privacy_control_is_recorded_and_may_refuse_analytics(
    page, open_shop, shop, trackers
):
    shop.gpc_refuses_analytics = True
    db.session.commit()
    page.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
    )
    open_shop()
    assert "Global Privacy Control" in banner(page).inner_text()
    action(page, "accept-all").click()
    [event] = wait_for_events(shop.id, 1)
    assert event.gpc is True
    assert event.choices == {"essential": True, "functional": True, "analytics": False}
    page.wait_for_timeout(200)
    assert trackers.requests == []


def test_google_consent_mode_defaults_to_denied_and_updates_on_each_decision(
    page, open_shop, shop, trackers
):
    shop.google_consent_mode = True
    db.session.commit()
    gtag = ('<script type="text/plain" data-category="analytics" '
            'data-src="https://www.googletagmanager.com/gtag/js?id=G-TEST"></script>')
    open_shop(extra=gtag)
    action(page, "accept-all").wait_for()
    layer = page.evaluate("dataLayer.map(a => Array.from(a))")
    assert layer[0][:2] == ["consent", "default"]
    assert set(layer[0][2].values()) == {"denied", "granted"}
    assert layer[0][2]["analytics_storage"] == "denied"
    assert layer[0][2]["ad_storage"] == "denied"
    assert trackers.requests == []

    page.locator('#cookieconsent [data-consent-action="customize"]').click()
    page.locator('#cookieconsent input[data-category="analytics"]').check()
    action(page, "save").click()
    page.wait_for_function("window.gtagLoaded === 1")
    update = page.evaluate("Array.from(dataLayer[1])")
    assert update[:2] == ["consent", "update"]
    assert update[2]["analytics_storage"] == "granted"
    assert update[2]["functionality_storage"] == "denied"
    assert update[2]["personalization_storage"] == "denied"
    assert update[2]["ad_storage"] == update[2]["ad_user_data"] == "denied"


def test_the_floating_button_can_be_turned_off(page, open_shop, shop):
    shop.floating_button = False
    db.session.commit()
    open_shop()
    action(page, "reject-all").click()
    consent_cookie(page)
    assert page.locator("#cookieconsent .fab").count() == 0
    page.locator("[data-consent-open]").click()
    # The dialog's code comes on first use: wait for it, as for the banner.
    page.locator('#cookieconsent [role="dialog"][aria-modal="true"]').wait_for()


def test_the_pinned_tag_loads_under_subresource_integrity(page, live_server, host_site, shop,
                                                          trackers, app):
    from cookieconsent.embed.payload import script_tags

    with app.test_request_context(base_url=live_server.url):
        plain, pinned = script_tags(shop)
    assert "integrity=" in pinned
    html = host_page(live_server.url, shop.key).replace(
        f'<script src="{live_server.url}/embed/{shop.key}.js"  defer></script>', pinned)
    assert pinned in html
    page.goto(host_site.page("/", html))
    action(page, "accept-all").wait_for()
    # A tampered hash: the browser refuses the script, so nothing runs and nothing tracks.
    broken = html.replace('integrity="sha384-', 'integrity="sha384-AAAA')
    errors: list = []
    page.on("console", lambda m: errors.append(m.text))
    page.goto(host_site.page("/tampered", broken))
    page.wait_for_timeout(300)
    assert page.locator("#cookieconsent").count() == 0
    assert any("integrity" in e for e in errors)
    assert trackers.requests == []


def test_a_decision_on_a_stale_script_is_refused_and_asked_again(
    page, open_shop, shop, trackers
):
    open_shop()
    accept = action(page, "accept-all")
    accept.wait_for()
    texts = {lang: {"title": "Policy", "body": f"v2 ({lang})"} for lang in shop.languages}
    policies.publish(policies.draft(shop, texts, significant=True))
    db.session.commit()
    # The page still runs the script of revision 1: the server answers 409, the banner asks
    # again, and the second answer is recorded under revision 2.
    accept.click()
    action(page, "reject-all").wait_for()
    assert consent_cookie(page, timeout=0.5) is None
    action(page, "reject-all").click()
    assert consent_cookie(page)
    [event] = wait_for_events(shop.id, 1)
    assert event.revision == 2 and event.action == "reject_all"
