"""Consent Mode v2 signals and Yandex Webvisor in real Chromium, after each kind of decision."""

from __future__ import annotations

import pytest
from banner_support import COUNTER, action, consent_cookie, wait_for_events

from cookieconsent.extensions import db
from cookieconsent.models import Category
from cookieconsent.sites import registry

pytestmark = pytest.mark.browser

ADS = ("ad_storage", "ad_user_data", "ad_personalization")
OTHERS = ("analytics_storage", "functionality_storage", "personalization_storage")
#: Keeps what the page (not its video frame) knew when it was unloaded, for after the reload.
AT_UNLOAD = f"""if (window === top) addEventListener("pagehide", () => sessionStorage.setItem(
  "atUnload", JSON.stringify({{disabled: window.disableYaCounter{COUNTER} === true}})));"""


def data_layer(page) -> list:
    return page.evaluate("dataLayer.map(a => Array.from(a))")


@pytest.fixture
def marketing_shop(shop):
    shop.categories.append(Category(key="marketing", position=3, always_show=True))
    shop.google_consent_mode = True
    shop.consent_mode_wait_ms = 500
    shop.url_passthrough = True
    db.session.commit()
    return shop


def test_before_a_decision_every_signal_but_security_is_denied_and_the_flags_are_set(
    page, open_shop, marketing_shop
):
    open_shop()
    action(page, "accept-all").wait_for()
    default, *rest = data_layer(page)
    assert default[:2] == ["consent", "default"]
    assert default[2] == {name: "denied" for name in ADS + OTHERS} | {
        "security_storage": "granted", "wait_for_update": 500}
    assert rest == [["set", {"url_passthrough": True}]]


@pytest.mark.parametrize(
    "decide,granted",
    [
        ("accept-all", ADS + OTHERS),
        ("reject-all", ()),
        ("marketing", ADS),
        ("analytics", ("analytics_storage",)),
    ],
)
def test_each_decision_sends_the_signals_its_categories_map_to(
    page, open_shop, marketing_shop, decide, granted
):
    open_shop()
    if decide in ("accept-all", "reject-all"):
        action(page, decide).click()
    else:
        action(page, "customize").click()
        page.locator(f'#cookieconsent input[data-category="{decide}"]').check()
        action(page, "save").click()
    assert consent_cookie(page)
    update = data_layer(page)[-1]
    assert update[:2] == ["consent", "update"]
    assert update[2] == {name: "granted" if name in granted else "denied"
                         for name in ADS + OTHERS} | {"security_storage": "granted"}


def test_without_a_marketing_category_accept_all_leaves_the_ad_signals_denied(
    page, open_shop, shop
):
    shop.google_consent_mode = True
    db.session.commit()
    open_shop()
    action(page, "accept-all").click()
    assert consent_cookie(page)
    update = data_layer(page)[-1][2]
    assert {update[name] for name in ADS} == {"denied"}
    assert {update[name] for name in OTHERS} == {"granted"}


def test_withdrawal_turns_the_counter_off_before_the_reload(page, open_shop, shop, trackers):
    page.add_init_script(AT_UNLOAD)
    open_shop()
    action(page, "accept-all").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    assert page.evaluate(f"window.disableYaCounter{COUNTER}") is False
    wait_for_events(shop.id, 1)
    page.locator("#cookieconsent .fab").click()
    with page.expect_navigation():
        action(page, "withdraw").click()
    page.wait_for_function("window.cookieconsent !== undefined")
    assert page.evaluate("JSON.parse(sessionStorage.atUnload)") == {"disabled": True}
    assert page.evaluate("window.metrikaLoaded") is None


@pytest.fixture
def webvisor_shop(shop):
    # Today's categories leave functional as the one other than analytics to gate it.
    registry.add_metrika(shop, COUNTER, webvisor="functional")
    db.session.commit()
    return shop


def test_webvisor_stays_off_without_the_consent_of_its_own_category(
    page, open_shop, webvisor_shop, trackers
):
    open_shop()
    action(page, "customize").click()
    page.locator('#cookieconsent input[data-category="analytics"]').check()
    action(page, "save").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    assert page.evaluate("Array.from(ym.a[0]).slice(0, 2)") == [COUNTER, "init"]
    assert page.evaluate("ym.a[0][2].webvisor") is False


def test_webvisor_runs_with_its_consent_and_stops_when_it_is_withdrawn(
    page, open_shop, webvisor_shop, trackers
):
    page.add_init_script(AT_UNLOAD)
    open_shop(extra='<label>Search <input name="q"></label><select name="s"></select>')
    action(page, "accept-all").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    assert page.evaluate("ym.a[0][2].webvisor") is True
    # Webvisor never records what a visitor types, in any field of the page.
    classes = page.eval_on_selector_all("input, select", "els => els.map(e => e.className)")
    assert classes and all("ym-disable-keys" in c for c in classes)
    wait_for_events(webvisor_shop.id, 1)

    page.locator("[data-consent-open]").click()
    page.locator('#cookieconsent input[data-category="functional"]').uncheck()
    with page.expect_navigation():
        action(page, "save").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    # Analytics stays allowed: the counter starts again, now without Webvisor.
    assert page.evaluate("JSON.parse(sessionStorage.atUnload)") == {"disabled": False}
    assert page.evaluate("ym.a[0][2].webvisor") is False
