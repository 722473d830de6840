"""The feedback-form guard in Chromium: blocked unticked, sent ticked with a receipt."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.models import ConsentEvent

pytestmark = pytest.mark.browser

FORM = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title>
<script src="{server}/embed/shop.js" defer></script></head><body>
<h1>Contact us</h1>
<form data-consent-form="feedback" method="post" action="/feedback">
  <p><label>Name <input name="name"></label></p>
  <p><label>Phone <input name="phone" type="tel" data-consent-subject="phone"></label></p>
  <p><label>Message <textarea name="message"></textarea></label></p>
  {extra}
  <p><button type="submit">Send</button></p>
</form></body></html>"""


@pytest.fixture
def shop(make_site, host_site, live_server):
    """A site on the host origin with a consent document; returns a page factory."""
    from test_forms import DETAILS

    site = make_site(origins=[host_site.url])
    version = documents.publish(site, DETAILS)
    db.session.commit()

    def page_url(lang="ru", extra=""):
        return host_site.page(f"/contact-{lang}", FORM.format(
            lang=lang, server=live_server.url, extra=extra))

    page_url.version = version
    return page_url


def events() -> list[ConsentEvent]:
    db.session.expire_all()
    return db.session.scalars(select(ConsentEvent).where(ConsentEvent.kind == "form")).all()


def fill(page, phone="8 701 234 56 78"):
    page.fill("input[name=name]", "Айгерим")
    page.fill("input[name=phone]", phone)
    page.fill("textarea[name=message]", "Сәлеметсіз бе!")


def test_unticked_form_is_blocked_with_a_message(page, shop, host_site):
    page.goto(shop("ru"))
    box = page.locator("form [data-consent-checkbox]")
    box.wait_for()
    assert not box.is_checked()
    assert page.get_by_label("Даю согласие на сбор и обработку персональных данных").count() == 1
    fill(page)
    page.click("button[type=submit]")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Отметьте согласие на сбор и обработку персональных данных."
    assert box.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.hasAttribute('data-consent-checkbox')")
    assert host_site.posts == []
    assert events() == []


def test_ticked_form_goes_through_with_a_receipt_that_verifies(page, shop, host_site, client):
    page.goto(shop("ru"))
    page.locator("form [data-consent-checkbox]").wait_for()
    fill(page)
    page.get_by_label("Даю согласие на сбор и обработку персональных данных").check()
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("text=Thank you").count() == 1
    [post] = host_site.posts
    assert post["form"]["name"] == "Айгерим"
    receipt = post["form"]["consent_receipt"]
    answer = client.post("/api/v1/receipts/verify",
                         json={"receipt": receipt, "phone": "+77012345678"}).get_json()
    assert (answer["valid"], answer["kind"], answer["form_id"], answer["subject_matches"]) == (
        True, "form", "feedback", True)
    [event] = events()
    assert event.policy_version_id == shop.version.id
    assert event.policy_sha256 == shop.version.text_for("ru").sha256
    assert event.language == "ru"


def test_personal_data_fields_are_hidden_from_webvisor(page, shop):
    page.goto(shop("kk"))
    page.locator("form [data-consent-checkbox]").wait_for()
    classes = page.eval_on_selector_all(
        "form input:not([type=checkbox]), form textarea", "els => els.map(e => e.className)")
    assert classes and all("ym-disable-keys" in c for c in classes)
    assert page.get_by_label("Дербес деректерді жинауға және өңдеуге келісемін").count() == 1
    link = page.get_by_role("link", name="Келісім мәтіні")
    assert link.get_attribute("href").endswith(f"/consent/shop/{shop.version.number}/kk")


def test_malformed_phone_is_named_and_nothing_is_sent(page, shop, host_site):
    page.goto(shop("en"))
    page.locator("form [data-consent-checkbox]").wait_for()
    fill(page, phone="12-34")
    page.get_by_label("I agree to the collection and processing of personal data").check()
    page.click("button[type=submit]")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Check this field."
    assert page.get_attribute("input[name=phone]", "aria-invalid") == "true"
    assert host_site.posts == [] and events() == []


def test_sites_own_checkbox_is_never_pre_ticked(page, shop, host_site):
    extra = ('<p><label><input type="checkbox" data-consent-checkbox checked> '
             'Я согласен</label></p>')
    page.goto(shop("ru", extra))
    box = page.locator("form [data-consent-checkbox]")
    page.locator("form .cc-form-document").wait_for()
    assert page.locator("form [data-consent-checkbox]").count() == 1
    assert not box.is_checked()
    box.check()
    fill(page)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert host_site.posts[0]["form"]["consent_receipt"]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_guarded_form_with_its_message_has_no_accessibility_violations(page, shop, lang):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(shop(lang))
    page.locator("form [data-consent-checkbox]").wait_for()
    page.click("button[type=submit]")
    page.get_by_role("alert").wait_for()
    results = Axe().run(page, context="form")
    assert results.violations_count == 0, results.generate_report()


def test_sites_own_script_sends_the_form_only_after_the_receipt(page, shop, host_site):
    # A site that sends its form with fetch() sees the submit event only once consent is
    # recorded, and the FormData it sends already holds the receipt.
    extra = """<script>
      document.querySelector("form").addEventListener("submit", function (e) {
        e.preventDefault();
        window.sent = (window.sent || 0) + 1;
        fetch("/feedback", {method: "POST", body: new FormData(e.target)});
      });
    </script>"""
    page.goto(shop("ru", extra))
    page.locator("form [data-consent-checkbox]").wait_for()
    fill(page)
    page.click("button[type=submit]")
    page.get_by_role("alert").wait_for()
    assert page.evaluate("window.sent || 0") == 0
    page.locator("form [data-consent-checkbox]").check()
    with page.expect_response(lambda r: r.url.endswith("/feedback")):
        page.click("button[type=submit]")
    assert page.evaluate("window.sent") == 1
    assert host_site.posts[0]["form"]["consent_receipt"]
    assert len(events()) == 1


def test_demo_feedback_form_is_blocked_unticked_and_verified_ticked(page, live_server, app):
    from cookieconsent.demo import seed

    site = seed.seed([live_server.url])
    db.session.commit()
    version = documents.in_force(site)
    page.goto(live_server.url + "/demo?lang=ru")
    # A visitor answers the cookie banner first; it covers the bottom of the page until then.
    page.locator("[data-consent-action=reject-all]").click()
    form = page.locator("form[data-consent-form=feedback]")
    form.locator(".cc-form-document").wait_for()
    form.locator("input[name=name]").fill("Айгерим")
    form.locator("input[name=phone]").fill("8 701 234 56 78")
    form.locator("textarea[name=message]").fill("Сәлеметсіз бе!")
    form.locator("button[type=submit]").click()
    alert = form.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Отметьте согласие на сбор и обработку персональных данных."
    assert events() == []

    form.locator("[data-consent-checkbox]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    [event] = events()
    # The demo's own backend checked the receipt with cookieconsent.client.
    assert event.consent_id in page.content()
    assert event.policy_version_id == version.id
    assert event.policy_sha256 == version.text_for("ru").sha256
    # The phone is kept only as a keyed hash, by which the operator finds the consent.
    from cookieconsent.consents import subjects

    assert [e.consent_id for e in subjects.find_by_subject(site, phone="+7 701 234-56-78")] == [
        event.consent_id
    ]
