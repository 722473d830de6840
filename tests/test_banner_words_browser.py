"""A site's own words in a real banner, their hash in the record, and the console's preview."""

from __future__ import annotations

import pytest
from admin_helpers import PASSWORD
from banner_support import action, banner, wait_for_events, words_shown_sha256

from cookieconsent.consents import proof
from cookieconsent.extensions import db
from cookieconsent.models import BannerTexts, ConsentEvent
from cookieconsent.sites import wording

pytestmark = pytest.mark.browser

TITLE_KK = "Біз тек қажетті cookie файлдарын пайдаланамыз"
INTRO_KK = 'Біз <img src=x onerror="window.injected=1"> сіздің таңдауыңызды сақтаймыз.'
ACCEPT_KK = "Бәрін қабылдау, рақмет"


@pytest.fixture
def worded_shop(shop):
    shop.wording = wording.clean(
        shop, {"kk": {"title": TITLE_KK, "intro": INTRO_KK, "accept_all": ACCEPT_KK}}
    )
    db.session.commit()
    return shop


def test_the_sites_kk_words_appear_and_their_hash_is_in_the_record(
    app, page, open_shop, worded_shop, live_server
):
    served = []
    page.on(
        "response",
        lambda r: served.append(r) if "/texts/kk.json" in r.url else None,
    )
    open_shop(lang="kk")
    bar = banner(page)
    bar.wait_for()
    assert bar.locator("h2").text_content() == TITLE_KK
    # Markup in the words is shown as the operator typed it, never run.
    assert bar.locator("#cc-d").text_content() == INTRO_KK
    assert bar.locator("img").count() == 0
    assert page.evaluate("window.injected") is None
    assert action(page, "accept-all").text_content() == ACCEPT_KK
    action(page, "accept-all").click()
    [event] = wait_for_events(worded_shop.id, 1)
    body = served[0].body()
    assert event.texts_sha256 == words_shown_sha256(app.test_client(), worded_shop.key, "kk", body)
    with app.test_request_context(base_url=live_server.url):
        document = proof.document(worded_shop, [event])
    shown = document["events"][0]["texts"]
    assert shown["sha256"] == event.texts_sha256 and shown["matches"]
    assert shown["words"]["banner"]["title"] == TITLE_KK
    assert document["events"][0]["record"]["texts_sha256"] == event.texts_sha256


def login(page, base):
    page.goto(base + "/admin/")
    page.fill("input[name=email]", "boss@shop.kz")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.narrow button[type=submit]")


def test_the_preview_shows_unsaved_words_in_every_frame_and_records_nothing(
    page, live_server, shop, admin
):
    page.set_viewport_size({"width": 1400, "height": 900})
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    login(page, live_server.url)
    page.goto(f"{live_server.url}/admin/sites/{shop.key}/wording")
    page.fill("input[name='kk.title']", TITLE_KK)
    page.click("button[name=preview]")
    page.wait_for_selector("iframe[data-preview]")
    posts.clear()  # the console's own form posts (login, preview) are not decisions
    names = page.eval_on_selector_all(
        "iframe[data-preview]", "frames => frames.map(f => f.dataset.preview)"
    )
    assert len(names) == 12
    for name in names:
        frame = page.frame_locator(f"iframe[data-preview='{name}']")
        title = frame.locator("#cookieconsent .bar h2")
        title.wait_for(timeout=30000)
        if name.startswith("kk-"):
            assert title.text_content() == TITLE_KK
        else:
            assert title.text_content() != TITLE_KK
    page.locator("iframe[data-preview='kk-dark-phone']").scroll_into_view_if_needed()
    frame = page.frame_locator("iframe[data-preview='kk-dark-phone']")
    frame.locator('#cookieconsent [data-consent-action="accept-all"]').click()
    frame.locator("#cookieconsent .bar").wait_for(state="detached")
    page.wait_for_timeout(500)
    assert posts == []
    db.session.expire_all()
    assert db.session.query(ConsentEvent).count() == 0
    assert db.session.query(BannerTexts).count() == 0
    assert not shop.wording
    # Opened again, the frame asks again: the click was not kept as a decision either.
    page.reload()
    again = page.frame_locator("iframe[data-preview='kk-dark-phone']")
    again.locator("#cookieconsent .bar h2").wait_for(timeout=30000)


def test_the_words_page_and_the_preview_are_axe_clean_in_kazakh(page, live_server, shop, admin):
    from axe_playwright_python.sync_playwright import Axe

    login(page, live_server.url)
    page.goto(f"{live_server.url}/admin/sites/{shop.key}/wording?lang=kk")
    assert page.text_content("h1").startswith("Баннер мәтіндері")
    page.fill("input[name='kk.accept_all']", "Қ" * 40)
    page.evaluate("document.querySelector(\"input[name='kk.accept_all']\").removeAttribute('maxlength')")
    page.fill("input[name='kk.accept_all']", "Қ" * 41)
    page.click("form.settings button.primary")
    page.wait_for_selector("[data-error-for='kk.accept_all']")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.goto(f"{live_server.url}/admin/sites/{shop.key}/preview")
    frame = page.frame_locator("iframe[data-preview='kk-light-phone']")
    frame.locator("#cookieconsent .bar").wait_for()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
