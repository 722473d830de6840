"""The demo shop: a realistic host page under its own strict CSP, in three languages."""

from __future__ import annotations

import pytest
from banner_support import Trackers, action, consent_cookie, wait_for_events

from cookieconsent.demo import seed
from cookieconsent.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_site(app):
    site = seed.seed()
    db.session.commit()
    return site


def test_the_demo_page_has_the_pieces_of_a_real_shop(client, demo_site):
    response = client.get("/demo?lang=kk")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="kk">' in html
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert 'type="text/plain" data-category="analytics"' in html
    assert "mc.yandex.ru/metrika/tag.js" in html and "<noscript>" not in html
    assert 'data-consent-form="feedback"' in html and "<iframe data-category=\"functional\"" in html
    assert html.count("hreflang=") == 3


@pytest.mark.parametrize(("lang", "accept"), [("kk", "Барлығын қабылдау"), ("en", "Accept all")])
def test_the_demo_asks_first_then_runs_its_metrika_snippet_once(
    page, live_server, demo_site, lang, accept
):
    trackers = Trackers(page)
    problems: list = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/demo?lang={lang}")
    button = action(page, "accept-all")
    assert button.inner_text() == accept
    assert trackers.requests == []
    button.click()
    page.wait_for_function("window.metrikaLoaded === 1")
    assert consent_cookie(page, name=f"cc_{demo_site.key}")
    assert wait_for_events(demo_site.id, 1)[0].language == lang
    # The page's own snippet ran (with its nonce); the built-in tag did not start a second one.
    assert sum("metrika/tag.js" in url for url in trackers.requests) == 1
    assert page.locator("iframe[data-category]").get_attribute("src").startswith(
        "https://www.youtube-nocookie.com/")
    assert [p for p in problems if "Content Security Policy" in p] == []
