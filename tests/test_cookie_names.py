"""The decision's cookie is named per site, and the banner's links keep the page's language."""

from __future__ import annotations

import pytest
from banner_support import action, banner, consent_cookie, cookie_names, host_page, record

pytestmark = pytest.mark.browser


def test_two_sites_on_one_host_keep_their_own_decisions(
    page, live_server, host_site, make_site, trackers
):
    shop = make_site("shop", origins=[host_site.url])
    blog = make_site("blog", origins=[host_site.url])
    shop_url = host_site.page("/shop", host_page(live_server.url, shop.key))
    blog_url = host_site.page("/blog", host_page(live_server.url, blog.key))

    page.goto(shop_url)
    action(page, "accept-all").click()
    assert consent_cookie(page, name="cc_shop")
    page.goto(blog_url)
    action(page, "reject-all").click()
    assert consent_cookie(page, name="cc_blog")

    page.goto(shop_url)
    page.wait_for_function("window.gatedRan === 1")
    assert page.evaluate("cookieconsent.granted('analytics')") is True
    assert not banner(page).is_visible()
    page.goto(blog_url)
    page.wait_for_function("window.cookieconsent !== undefined")
    page.wait_for_timeout(300)
    assert page.evaluate("cookieconsent.granted('analytics')") is False
    assert not banner(page).is_visible()


def test_a_decision_under_the_old_name_moves_to_the_sites_name_without_asking_again(
    page, client, live_server, host_site, shop, trackers
):
    receipt = record(client, shop, choices={"functional": False, "analytics": True})
    page.context.add_cookies([{"name": "cookieconsent", "value": receipt, "url": host_site.url}])
    page.goto(host_site.page("/", host_page(live_server.url, shop.key)))

    page.wait_for_function("window.gatedRan === 1")
    assert consent_cookie(page) == receipt
    assert "cookieconsent" not in cookie_names(page)
    assert not banner(page).is_visible()


def test_another_sites_decision_under_the_old_name_is_left_alone(
    page, client, live_server, host_site, shop, make_site, trackers
):
    other = make_site("other", origins=[host_site.url])
    receipt = record(client, other)
    page.context.add_cookies([{"name": "cookieconsent", "value": receipt, "url": host_site.url}])
    page.goto(host_site.page("/", host_page(live_server.url, shop.key)))

    banner(page).wait_for()
    assert "cc_shop" not in cookie_names(page)
    assert "cookieconsent" in cookie_names(page)


def test_a_kazakh_page_opens_the_preference_page_in_kazakh_in_a_russian_browser(
    page, open_shop
):
    open_shop("kk")
    action(page, "reject-all").click()
    assert consent_cookie(page)
    page.locator("[data-consent-open]").click()
    page.locator("#cookieconsent a[href*='/preferences/']").click()
    page.wait_for_url("**/preferences/**")
    assert page.evaluate("navigator.language") == "ru-RU"
    assert page.locator("html").get_attribute("lang") == "kk"
