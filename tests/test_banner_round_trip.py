"""The round trip through the preference page: what comes back in the fragment, and the link.

Anyone can mint a receipt (a POST without an Origin) and send a visitor to
``https://shop.kz/page#cookieconsent=<receipt>``. The banner must take a receipt only from a
round trip to the preference page that this tab started, and only for its own consent.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote

import pytest
from banner_support import (
    action,
    banner,
    consent_cookie,
    cookie_names,
    host_page,
    record,
    wait_for_events,
    ym_traces,
)

pytestmark = pytest.mark.browser

#: What the banner keeps in the tab's sessionStorage while a round trip is under way.
NONCE = "sessionStorage.getItem('cookieconsent:shop')"


@pytest.fixture
def shop_url(live_server, host_site, shop):
    return host_site.page("/catalog", host_page(live_server.url, shop.key))


def mint(client, site) -> str:
    """The attacker's receipt: a new consent, everything allowed, recorded without an Origin."""
    return record(client, site, method="banner", action="accept_all",
                  choices={"functional": True, "analytics": True})


def settled(page) -> None:
    """Wait until the banner has applied the decision it keeps (or asked for one)."""
    page.wait_for_function(
        "window.cookieconsent && (window.cookieconsent.granted('essential') ||"
        " document.querySelector('#cookieconsent')?.shadowRoot?.querySelector('.bar'))"
    )


def my_record(page):
    """The banner's link to the visitor's own page, in the preferences it opens."""
    page.locator("[data-consent-open]").click()
    return page.locator("#cookieconsent a[href*='/preferences/']")


def open_my_record(page, live_server, shop) -> None:
    """From the banner's preferences, follow the link to the visitor's own page."""
    my_record(page).click()
    page.wait_for_url(f"{live_server.url}/preferences/{shop.key}?lang=*#receipt=*")
    page.wait_for_selector("#decision:not([aria-busy])")


@pytest.mark.parametrize("nonce", ["absent", "guessed", "leaked"])
def test_a_link_with_a_minted_receipt_leaves_the_visitors_refusal_in_force(
        page, client, shop, shop_url, trackers, nonce):
    page.goto(shop_url)
    action(page, "reject-all").click()
    refused = consent_cookie(page)
    assert refused
    fragment = f"cookieconsent={mint(client, shop)}"
    if nonce != "absent":
        # The visitor opened the preferences, so a round trip may be under way in this tab.
        my_record(page).wait_for()
        real = page.evaluate(NONCE)
        assert real
        # "leaked": even the tab's own nonce does not carry a receipt for another consent.
        fragment += "&state=" + (real if nonce == "leaked" else "1" + real[1:] + "7")

    page.goto("about:blank")  # the visitor follows the link: a new document
    page.goto(f"{shop_url}#{fragment}")
    settled(page)

    assert page.evaluate("location.hash") == ""
    assert consent_cookie(page) == refused
    assert page.evaluate("window.cookieconsent.granted('analytics')") is False
    assert page.evaluate("[window.metrikaLoaded, window.gatedRan]") == [None, None]
    assert trackers.requests == []
    assert ym_traces(page) == (set(), [])
    assert [e.choices["analytics"] for e in wait_for_events(shop.id, 2)] == [False, True]


def test_a_link_with_a_minted_receipt_does_not_decide_for_a_first_time_visitor(
        page, client, shop, shop_url, trackers):
    page.goto(f"{shop_url}#cookieconsent={mint(client, shop)}")
    settled(page)
    assert page.evaluate("location.hash") == ""
    action(page, "accept-all").wait_for()
    assert "cc_shop" not in cookie_names(page)
    assert page.evaluate("window.cookieconsent.granted('analytics')") is False
    assert trackers.requests == []


def test_a_forged_receipt_in_the_url_is_ignored(page, live_server, host_site, shop, trackers,
                                                client):
    receipt = record(client, shop, choices={"functional": False, "analytics": False})
    head, signature = receipt.split(".", 1)
    payload = json.loads(base64.urlsafe_b64decode(head + "=="))
    payload["g"] = ["functional", "analytics"]
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    url = host_site.page("/", host_page(live_server.url, shop.key))
    page.goto(f"{url}#cookieconsent={forged}.{signature}")
    action(page, "accept-all").wait_for()
    assert consent_cookie(page, timeout=0.3) is None
    assert trackers.requests == []


def test_the_preferences_link_carries_the_receipt_in_the_fragment(page, open_shop, live_server):
    url = open_shop()
    action(page, "reject-all").click()
    receipt = consent_cookie(page)
    page.locator("[data-consent-open]").click()
    link = page.locator("#cookieconsent a", has_text="Запись о моём согласии")
    href = link.get_attribute("href")
    assert href.startswith(f"{live_server.url}/preferences/shop?lang=ru#receipt={receipt}&state=")
    assert href.split("#")[0].endswith("/preferences/shop?lang=ru")  # the language, nothing else
    assert unquote(href.split("&return=")[1]) == url


def test_the_preferences_link_carries_a_nonce_of_this_tab(page, shop, shop_url):
    page.goto(shop_url)
    action(page, "reject-all").click()
    consent_cookie(page)
    href = my_record(page).get_attribute("href")
    nonce = page.evaluate(NONCE)
    assert len(nonce) >= 30 and f"&state={nonce}&return=" in href
    other = page.context.new_page()  # another tab keeps a nonce of its own
    other.goto(shop_url)
    my_record(other).wait_for()
    assert other.evaluate(NONCE) not in (None, nonce)


def test_a_withdrawal_on_the_preference_page_comes_back_and_clears_metrika(
        page, live_server, shop, shop_url, trackers):
    page.goto(shop_url)
    action(page, "accept-all").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    given = consent_cookie(page)
    assert ym_traces(page)[0] == {"_ym_uid", "_ym_d"}

    open_my_record(page, live_server, shop)
    page.locator("#withdraw").click()

    page.wait_for_url(f"{shop_url}*")
    page.wait_for_function("location.hash === ''")
    page.wait_for_function("t => !document.cookie.includes(t)", arg=given)
    settled(page)
    events = wait_for_events(shop.id, 2)
    assert [e.event_type for e in events] == ["given", "withdrawn"]
    assert events[0].consent_id == events[1].consent_id
    assert page.evaluate("window.cookieconsent.granted('analytics')") is False
    assert page.evaluate("window.metrikaLoaded") is None
    assert ym_traces(page) == (set(), [])
    assert not banner(page).is_visible()
    # The nonce served once: the same return, replayed, would be ignored.
    assert page.evaluate(NONCE) is None


def test_a_change_comes_back_once(page, live_server, shop, shop_url, trackers):
    page.goto(shop_url)
    action(page, "reject-all").click()
    consent_cookie(page)
    open_my_record(page, live_server, shop)
    page.get_by_label("Аналитические файлы cookie").check()
    page.get_by_role("button", name="Сохранить выбор").click()
    page.wait_for_url(f"{shop_url}#cookieconsent=*&state=*")
    back_url = page.url
    page.wait_for_function("window.metrikaLoaded === 1")
    changed = consent_cookie(page)

    # Later the visitor refuses again (the page reloads, as Metrika cannot be unloaded); the
    # old return address, replayed, undoes nothing.
    page.locator("[data-consent-open]").click()
    with page.expect_navigation():
        action(page, "reject-all").click()
    refused = consent_cookie(page)
    assert refused != changed
    page.goto("about:blank")
    page.goto(back_url)
    settled(page)
    assert consent_cookie(page) == refused
    assert page.evaluate("window.cookieconsent.granted('analytics')") is False
