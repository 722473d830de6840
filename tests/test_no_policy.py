"""No policy, no consent: a site without a cookie policy in force asks nothing, records nothing."""

from __future__ import annotations

import pytest
from banner_support import host_page
from sqlalchemy import func, select

from cookieconsent.extensions import db
from cookieconsent.models import ConsentEvent
from cookieconsent.sites import policies


def stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ConsentEvent))


def publish(site):
    texts = {lang: {"title": "Policy", "body": f"Policy ({lang})"} for lang in site.languages}
    policies.publish(policies.draft(site, texts, significant=True))
    db.session.commit()


def test_the_api_refuses_a_consent_until_a_policy_is_published(client, make_site,
                                                               consent_body):
    site = make_site("newshop", policy=False)
    body = consent_body(revision=0, action="accept_all", site="newshop",
                        choices={"functional": True, "analytics": True})
    answer = client.post("/api/v1/consents", json=body,
                         headers={"Origin": "https://shop.example.kz"})
    assert answer.status_code == 409
    assert answer.get_json()["reason"] == "no_policy"
    assert answer.get_json()["fields"] == {"site": "Publish a cookie policy first."}
    assert stored() == 0
    publish(site)
    answer = client.post("/api/v1/consents", json=body | {"revision": 1},
                         headers={"Origin": "https://shop.example.kz"})
    assert answer.status_code == 201


def test_the_console_shows_the_site_as_not_ready(admin_client, make_site):
    site = make_site(policy=False)
    assert "data-not-ready" in admin_client.get("/admin/").get_data(as_text=True)
    assert "data-not-ready" in admin_client.get("/admin/sites/shop").get_data(as_text=True)
    publish(site)
    assert "data-not-ready" not in admin_client.get("/admin/sites/shop").get_data(as_text=True)


@pytest.mark.browser
def test_the_banner_shows_nothing_records_nothing_and_tells_the_developer(
    page, make_site, host_site, live_server
):
    make_site(origins=[host_site.url], policy=False)
    warnings = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(host_site.page("/", host_page(live_server.url, "shop")))
    page.wait_for_function("window.cookieconsent !== undefined")
    page.wait_for_timeout(300)
    assert page.locator("#cookieconsent [data-consent-action=accept-all]").count() == 0 or \
        not page.locator("#cookieconsent [data-consent-action=accept-all]").is_visible()
    assert page.evaluate("window.gatedRan") is None
    assert [w for w in warnings if "no cookie policy in force" in w] == [
        "cookieconsent: shop has no cookie policy in force yet"
    ]
    assert stored() == 0
