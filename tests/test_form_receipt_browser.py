"""The visitor holds their form receipt: a link to view it, and to withdraw it as easily."""

from __future__ import annotations

import json

import pytest
from flask import Flask, g
from sqlalchemy import select
from test_forms_browser import FORM, fill

from cookieconsent import client as consent_client
from cookieconsent.demo import seed
from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.models import ConsentEvent, Site

pytestmark = pytest.mark.browser


def site_backend(server: str):
    """The site's own backend, checking receipts online as the README shows."""
    backend = Flask("site_backend")

    @backend.post("/feedback")
    @consent_client.require_form_receipt("feedback", server=server)
    def feedback():
        return {"consent_id": g.consent_receipt.consent_id}

    return backend.test_client()


def test_a_visitor_withdraws_a_form_consent_from_the_thank_you_page(page, live_server):
    site = seed.seed([live_server.url])
    db.session.commit()
    page.goto(live_server.url + "/demo?lang=kk")
    page.locator("[data-consent-action=reject-all]").click()
    form = page.locator("form[data-consent-form=feedback]")
    form.locator(".cc-form-document").wait_for()
    form.locator("input[name=name]").fill("Айгерим")
    form.locator("input[name=phone]").fill("8 701 234 56 78")
    form.locator("textarea[name=message]").fill("Сәлеметсіз бе!")
    form.locator("[data-consent-checkbox]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    db.session.expire_all()
    event = db.session.scalar(select(ConsentEvent).where(ConsentEvent.kind == "form"))
    receipt = page.locator("[data-consent-receipt-link]").get_attribute("href").split(
        "#receipt=")[1].split("&")[0]
    backend = site_backend(live_server.url)
    assert backend.post("/feedback", data={"consent_receipt": receipt}).status_code == 200

    page.locator("[data-consent-receipt-link]").click()
    page.wait_for_selector("#decision:not([aria-busy])")
    assert event.consent_id in page.locator("#decision").inner_text()
    page.locator("#withdraw").click()
    page.locator("#withdrawal").wait_for(state="hidden")
    db.session.expire_all()
    latest = db.session.scalars(
        select(ConsentEvent).where(ConsentEvent.consent_id == event.consent_id)
        .order_by(ConsentEvent.id)
    ).all()[-1]
    assert latest.event_type == "withdrawn"
    refused = backend.post("/feedback", data={"consent_receipt": receipt})
    assert refused.status_code == 403 and b"withdrawn" in refused.data
    assert event.site_id == site.id


def test_the_page_hears_of_the_form_consent_with_its_link(page, make_site, host_site,
                                                          live_server):
    from test_forms import DETAILS

    make_site(origins=[host_site.url])
    documents.publish(db.session.scalar(select(Site).where(Site.key == "shop")), DETAILS)
    db.session.commit()
    listener = """<script>document.addEventListener("cookieconsent:form-consent",
      (e) => sessionStorage.setItem("given", JSON.stringify(e.detail)));</script>"""
    page.goto(host_site.page("/contact", FORM.format(lang="ru", server=live_server.url,
                                                     extra=listener)))
    page.locator("form [data-consent-checkbox]").wait_for()
    fill(page)
    page.locator("form [data-consent-checkbox]").check()
    with page.expect_navigation():
        page.click("button[type=submit]")
    [post] = host_site.posts
    receipt = post["form"]["consent_receipt"]
    detail = json.loads(page.evaluate("sessionStorage.getItem('given')"))
    assert detail == {
        "receipt": receipt,
        "link": f"{live_server.url}/preferences/shop#receipt={receipt}",
    }
