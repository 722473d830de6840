"""End to end: host page → banner → preference page → back to the host → banner applies."""

from __future__ import annotations

import base64
import json

import pytest
from banner_support import COUNTER, Trackers, action, consent_cookie, host_page, wait_for_events

from cookieconsent.consents.receipts import peek_site

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(make_site, host_site):
    return make_site(origins=[host_site.url], metrika=COUNTER)


def granted(receipt: str) -> list[str]:
    """The categories a receipt grants, read as the banner reads them."""
    head = receipt.split(".", 1)[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["g"]


def test_a_change_on_the_preference_page_comes_back_to_the_site_and_applies(
        page, live_server, host_site, shop, client):
    trackers = Trackers(page)
    url = host_site.page("/catalog", host_page(live_server.url, shop.key, lang="ru"))
    page.goto(url)
    action(page, "reject-all").click()
    first = consent_cookie(page)
    assert first and peek_site(first) == shop.key
    assert granted(first) == []

    # The banner's own link opens the visitor's page, the receipt in the fragment.
    page.locator("[data-consent-open]").click()
    page.locator(f"#cookieconsent a[href^='{live_server.url}/preferences/']").click()
    page.wait_for_url(f"{live_server.url}/preferences/{shop.key}?lang=*#receipt=*")
    page.wait_for_selector("#decision:not([aria-busy])")
    # A refusal is shown as one, not as "consent given".
    assert "В согласии отказано: только необходимые файлы cookie" in page.locator(
        "#decision").inner_text()
    assert trackers.requests == []

    page.get_by_label("Аналитические файлы cookie").check()
    page.get_by_role("button", name="Сохранить выбор").click()

    # Back on the shop: the banner verified the new receipt, stored it and started Metrika.
    page.wait_for_url(f"{host_site.url}/catalog*")
    page.wait_for_function("window.metrikaLoaded === 1")
    assert page.evaluate("window.gatedRan") == 1
    stored = consent_cookie(page)
    assert stored != first
    assert granted(stored) == ["analytics"]
    assert page.evaluate("location.hash") == ""
    given, updated = wait_for_events(shop.id, 2)
    assert (updated.method, updated.previous_consent_id) == ("preference_page", given.consent_id)
    verified = client.post("/api/v1/receipts/verify", json={"receipt": stored}).get_json()
    assert verified["consent_id"] == updated.consent_id
