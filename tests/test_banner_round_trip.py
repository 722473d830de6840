"""The round trip through the preference page: what comes back in the fragment, and the link."""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote

import pytest
from banner_support import (
    action,
    banner,
    consent_cookie,
    host_page,
    record,
    ym_traces,
)

pytestmark = pytest.mark.browser


def test_a_receipt_sent_back_by_the_preference_page_is_verified_stored_and_applied(
    page, client, live_server, host_site, shop, trackers
):
    receipt = record(client, shop)
    url = host_site.page("/", host_page(live_server.url, shop.key))
    page.goto(f"{url}#cookieconsent={receipt}")
    page.wait_for_function("window.metrikaLoaded === 1")
    assert page.evaluate("location.hash") == ""
    assert consent_cookie(page) == receipt
    assert not banner(page).is_visible()
    assert page.locator("iframe[data-category]").get_attribute("src") is None


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
    assert href.startswith(f"{live_server.url}/preferences/shop#receipt={receipt}&return=")
    assert "?" not in href.split("#")[0]
    assert unquote(href.split("&return=")[1]) == url


def test_a_withdrawal_sent_back_by_the_preference_page_clears_metrika(
    page, client, live_server, host_site, shop, trackers
):
    receipt = record(client, shop)
    url = host_site.page("/", host_page(live_server.url, shop.key))
    page.goto(f"{url}#cookieconsent={receipt}")
    page.wait_for_function("window.metrikaLoaded === 1")
    assert ym_traces(page)[0]
    consent_id = json.loads(base64.urlsafe_b64decode(receipt.split(".")[0] + "=="))["i"]
    answer = client.post(f"/api/v1/consents/{consent_id}/withdraw",
                         json={"receipt": receipt, "method": "preference_page"})
    withdrawn = answer.get_json()["receipt"]
    page.goto("about:blank")  # back from the preference page: a new document, not a hash change
    page.goto(f"{url}#cookieconsent={withdrawn}")
    page.wait_for_function("location.hash === ''")
    # Stored once the server has verified it.
    page.wait_for_function("t => document.cookie.includes(t)", arg=withdrawn)
    page.wait_for_timeout(200)
    assert ym_traces(page) == (set(), [])
    assert page.evaluate("window.metrikaLoaded") is None
    assert not banner(page).is_visible()
