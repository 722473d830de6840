"""The preference page in Chromium: a real receipt in the fragment, changes, the way back."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select

from cookieconsent.extensions import db
from cookieconsent.models import ConsentEvent
from cookieconsent.sites import policies

pytestmark = pytest.mark.browser

HOST_PAGE = '<!doctype html><html lang="en"><title>Shop</title><main><h1>Shop</h1></main>'


@pytest.fixture
def shop(make_site, host_site):
    """A site whose pages live on the host origin (http://localhost:PORT)."""
    return make_site("shop", origins=[host_site.url], metrika=44556677)


@pytest.fixture
def decision(client, shop, host_site):
    """A decision made in the banner: functional allowed, analytics refused."""

    def make(**choices):
        body = {
            "site": shop.key, "revision": 1, "language": "ru", "method": "banner",
            "action": "custom", "url": host_site.url + "/catalog",
            "choices": {"functional": True, "analytics": False} | choices,
        }
        response = client.post("/api/v1/consents", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def open_page(page, live_server, shop):
    """Open the preference page as the banner links it: receipt and return in the fragment."""

    def open_(receipt=None, return_url=None, lang=None):
        params = []
        if receipt:
            params.append(f"receipt={receipt}")
        if return_url:
            params.append(f"return={quote(return_url, safe='')}")
        query = f"?lang={lang}" if lang else ""
        url = f"{live_server.url}/preferences/{shop.key}{query}"
        page.goto(url + ("#" + "&".join(params) if params else ""))
        page.wait_for_selector("#decision:not([aria-busy])")
        return page

    return open_


def verify(client, receipt: str) -> dict:
    return client.post("/api/v1/receipts/verify", json={"receipt": receipt}).get_json()


def events() -> list[ConsentEvent]:
    db.session.expire_all()
    return db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()


def publish_new_policy(site) -> None:
    """A significant version: every visitor is asked again."""
    texts = {lang: {"title": f"Policy {lang} v2", "body": f"Second policy of shop ({lang})."}
             for lang in site.languages}
    policies.publish(policies.draft(site, texts, significant=True))
    db.session.commit()


def returned_receipt(page, host_url: str) -> str:
    page.wait_for_url(f"{host_url}/**")
    fragment = urlsplit(page.url).fragment
    assert fragment.startswith("cookieconsent=")
    return fragment.removeprefix("cookieconsent=")


def test_page_shows_the_decision_named_by_the_receipt(open_page, decision):
    given = decision()
    page = open_page(given["receipt"], lang="en")
    facts = page.locator("#decision")
    assert "Consent given for some categories" in facts.inner_text()
    assert "Version 1, in force from" in facts.inner_text()
    assert given["consent_id"] in facts.inner_text()
    assert page.locator("#decision [data-category=functional]").get_attribute(
        "data-granted") == "true"
    assert page.locator("#decision [data-category=analytics]").get_attribute(
        "data-granted") == "false"
    assert page.locator("#category-functional").is_checked()
    assert not page.locator("#category-analytics").is_checked()
    assert page.locator("#withdrawal").is_visible()
    assert page.locator("#proof").is_visible()


def test_saving_a_change_returns_to_the_host_page_with_the_new_receipt(
        client, open_page, decision, host_site):
    given = decision()
    back_to = host_site.page("/catalog/item", HOST_PAGE) + "?id=7#reviews"
    page = open_page(given["receipt"], back_to, lang="ru")
    page.get_by_label("Аналитические файлы cookie").check()
    page.get_by_role("button", name="Сохранить выбор").click()

    receipt = returned_receipt(page, host_site.url)
    assert page.url.startswith(host_site.url + "/catalog/item?id=7#cookieconsent=")
    answer = verify(client, receipt)
    assert answer["valid"] is True
    assert answer["choices"] == {"essential": True, "functional": True, "analytics": True}
    assert answer["consent_id"] != given["consent_id"]
    latest = events()[-1]
    assert (latest.event_type, latest.method, latest.action) == (
        "updated", "preference_page", "custom")
    assert latest.previous_consent_id == given["consent_id"]
    assert latest.language == "ru"
    assert latest.services == ["yandex-metrika"]


def test_reject_all_refuses_every_optional_category(client, open_page, decision, host_site):
    given = decision(analytics=True)
    page = open_page(given["receipt"], host_site.page("/", HOST_PAGE), lang="en")
    page.get_by_role("button", name="Reject all").click()
    answer = verify(client, returned_receipt(page, host_site.url))
    assert answer["choices"] == {"essential": True, "functional": False, "analytics": False}
    assert events()[-1].action == "reject_all"


def test_withdrawal_is_recorded_and_returned_to_the_site(client, open_page, decision, host_site):
    given = decision()
    page = open_page(given["receipt"], host_site.page("/", HOST_PAGE), lang="kk")
    page.get_by_role("button", name="Келісімді кері қайтарып алу").click()

    receipt = returned_receipt(page, host_site.url)
    answer = verify(client, receipt)
    assert (answer["consent_id"], answer["withdrawn"]) == (given["consent_id"], True)
    assert [(e.event_type, e.method) for e in events()] == [
        ("given", "banner"), ("withdrawn", "preference_page")]


@pytest.mark.parametrize("target", [
    "https://evil.example.com/steal",
    "http://localhost.evil.example.com/",
    "javascript:alert(document.domain)",
    "data:text/html,<p>hi</p>",
    "/relative/path",
])
def test_a_return_to_a_foreign_origin_is_not_followed(client, open_page, decision, host_site,
                                                      page, target):
    foreign = []
    page.route("**/*evil.example.com/**", lambda route: (foreign.append(route.request.url),
                                                        route.abort()))
    given = decision()
    open_page(given["receipt"], target, lang="en")
    page.get_by_label("Analytics cookies").check()
    page.get_by_role("button", name="Save choices").click()

    page.get_by_role("status").filter(has_text="Your choice is saved.").wait_for()
    assert urlsplit(page.url).path == "/preferences/shop"
    assert foreign == []
    back = page.get_by_role("link", name="Back to Shop")
    href = back.get_attribute("href")
    assert href.startswith(host_site.url + "/#cookieconsent=")
    assert verify(client, href.split("#cookieconsent=")[1])["choices"]["analytics"] is True
    # The page now shows the new decision, and its own fragment holds the new receipt.
    assert "Consent given\nDate" in page.locator("#decision").inner_text()
    assert "receipt=" in urlsplit(page.url).fragment
    assert given["receipt"] not in page.url


def test_without_a_receipt_the_visitor_makes_a_new_decision(client, open_page, host_site):
    page = open_page(lang="en")
    assert "No decision to show" in page.locator("#decision").inner_text()
    assert page.locator("#withdrawal").is_hidden()
    page.get_by_role("button", name="Accept all").click()
    page.get_by_role("status").filter(has_text="Your choice is saved.").wait_for()
    [event] = events()
    assert (event.event_type, event.method, event.action) == (
        "given", "preference_page", "accept_all")
    assert event.previous_consent_id is None
    assert event.url == page.url.split("?")[0]


def test_a_decision_under_an_older_policy_asks_to_decide_again(client, open_page, decision,
                                                              host_site, shop):
    given = decision()
    publish_new_policy(shop)
    page = open_page(given["receipt"], host_site.page("/", HOST_PAGE), lang="en")
    assert "The cookie policy has changed since this decision" in page.locator(
        "#decision").inner_text()
    page.get_by_role("button", name="Save choices").click()
    answer = verify(client, returned_receipt(page, host_site.url))
    assert (answer["revision"], answer["choices"]["functional"]) == (2, True)


def test_a_policy_published_while_the_page_is_open_is_caught_and_retried(
        client, open_page, decision, host_site, shop):
    given = decision()
    page = open_page(given["receipt"], host_site.page("/", HOST_PAGE), lang="ru")
    publish_new_policy(shop)
    page.get_by_role("button", name="Сохранить выбор").click()
    message = page.get_by_role("status")
    message.filter(has_text="только что изменилась").wait_for()
    assert "error" in message.get_attribute("class")
    assert "/preferences/" in page.url
    page.get_by_role("button", name="Сохранить выбор").click()
    assert verify(client, returned_receipt(page, host_site.url))["revision"] == 2


def test_a_tampered_receipt_shows_nothing_and_offers_a_new_decision(open_page, decision):
    given = decision()
    token = given["receipt"]
    forged = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    page = open_page(forged, lang="en")
    assert "does not carry a valid receipt" in page.locator("#decision").inner_text()
    assert page.locator("#withdrawal").is_hidden()
    assert page.locator("#proof").is_hidden()


def test_download_gives_the_proof_as_json(open_page, decision):
    given = decision()
    page = open_page(given["receipt"], lang="en")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my proof (JSON)").click()
    assert download.value.suggested_filename == f"consent-{given['consent_id']}.json"
    with open(download.value.path(), encoding="utf-8") as file:
        proof = json.load(file)
    assert proof["consent_id"] == given["consent_id"]
    assert proof["receipt"] == given["receipt"]
    [event] = proof["events"]
    assert (event["type"], event["method"], event["policy"]["language"]) == (
        "given", "banner", "ru")
    assert len(event["policy"]["sha256"]) == 64
    assert proof["format"] == "cookieconsent.consent-proof/1"
    assert event["record"]["consent_id"] == given["consent_id"]


def test_changing_the_language_keeps_the_receipt(open_page, decision):
    given = decision()
    page = open_page(given["receipt"], lang="en")
    page.get_by_role("link", name="Қазақша").click()
    page.wait_for_selector("html[lang=kk] #decision:not([aria-busy])")
    assert f"receipt={given['receipt']}" in page.url
    assert "Келісім кейбір санаттарға берілді" in page.locator("#decision").inner_text()


def test_the_language_may_come_in_the_fragment(open_page, decision):
    given = decision()
    page = open_page(f"{given['receipt']}&lang=kk")
    page.wait_for_selector("html[lang=kk] #decision:not([aria-busy])")
    assert "?lang=kk#" in page.url
    assert "Келісім кейбір санаттарға берілді" in page.locator("#decision").inner_text()


def test_the_whole_page_works_from_the_keyboard(client, open_page, decision, host_site, page):
    given = decision()
    open_page(given["receipt"], host_site.page("/", HOST_PAGE), lang="en")

    def tab_to(selector: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({json.dumps(selector)})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#category-analytics")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    page.keyboard.press("Space")
    assert page.locator("#category-analytics").is_checked()
    tab_to("button[type=submit]")
    page.keyboard.press("Enter")

    answer = verify(client, returned_receipt(page, host_site.url))
    assert answer["choices"]["analytics"] is True


def test_skip_link_is_the_first_stop_and_leads_to_the_content(open_page):
    page = open_page(lang="ru")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_axe_finds_no_violations(open_page, decision, lang):
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(decision()["receipt"], lang=lang)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # The same after an action, with the status message and the back link shown.
    page.locator("#choices button[type=submit]").click()
    page.wait_for_selector("#message:not(:empty)")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("path", ["/policies/shop/1/kk", "/no/such/page?lang=ru"])
def test_axe_finds_no_violations_on_the_other_pages(page, live_server, shop, path):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(live_server.url + path)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize(("choices", "words"), [
    ({"functional": True, "analytics": True}, "Consent given"),
    ({"functional": False, "analytics": False}, "Consent refused: only essential cookies"),
    ({"functional": False, "analytics": True}, "Consent given for some categories"),
])
def test_each_state_of_a_decision_has_its_own_words(open_page, decision, choices, words):
    given = decision(**choices)
    status = open_page(given["receipt"], lang="en").locator("#decision dd").first
    assert status.inner_text() == words
