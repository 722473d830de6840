"""The visitor's own page, the policy page and the error pages, through the Flask client."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import flask_babel
import pytest

HEADINGS = {
    "kk": "Shop сайтындағы cookie баптауларыңыз",
    "ru": "Ваши настройки cookie для сайта Shop",
    "en": "Your cookie settings for Shop",
}
BUTTONS = {
    "kk": ["Барлығын қабылдау", "Барлығынан бас тарту", "Таңдауды сақтау"],
    "ru": ["Принять все", "Отклонить все", "Сохранить выбор"],
    "en": ["Accept all", "Reject all", "Save choices"],
}
NOT_FOUND = {"kk": "Бет табылмады", "ru": "Страница не найдена", "en": "Page not found"}


class Page(HTMLParser):
    """The parts of a page the tests look at: elements with their attributes, and text."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(" ".join(data.split()))

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.elements
                if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def get(client, url: str, **kwargs):
    # The test app keeps one app context (and so one cached locale) for every request of a
    # test; a real server starts each request afresh.
    flask_babel.refresh()
    return client.get(url, **kwargs)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_page_speaks_the_chosen_language(client, site, lang):
    response = get(client, f"/preferences/shop?lang={lang}")
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert page.find("html")[0]["lang"] == lang
    assert HEADINGS[lang] in page.text
    for label in BUTTONS[lang]:
        assert label in page.text
    current = page.find("a", aria_current="true")
    assert [a["hreflang"] for a in current] == [lang]
    assert response.headers["Set-Cookie"].startswith(f"cookieconsent_lang={lang};")


def test_language_comes_from_the_browser_then_the_remembered_choice(client, site):
    page = Page(get(client, "/preferences/shop", headers={"Accept-Language": "kk"}).get_data(
        as_text=True))
    assert HEADINGS["kk"] in page.text
    get(client, "/preferences/shop?lang=en")
    page = Page(get(client, "/preferences/shop", headers={"Accept-Language": "kk"}).get_data(
        as_text=True))
    assert HEADINGS["en"] in page.text


def test_language_switch_lists_kk_first_and_keeps_the_page(client, site):
    page = Page(get(client, "/preferences/shop?lang=ru").get_data(as_text=True))
    links = [a for a in page.find("a") if "hreflang" in a]
    assert [a["hreflang"] for a in links] == ["kk", "ru", "en"]
    assert [a["href"] for a in links] == [f"/preferences/shop?lang={code}"
                                          for code in ("kk", "ru", "en")]
    # The script carries the fragment (the receipt) over to the other language.
    assert all("js-keep-fragment" in a["class"] for a in links)


def test_site_origins_and_revision_are_in_data_attributes(client, make_site):
    make_site("shop", origins=["https://shop.example.kz", "https://www.shop.example.kz:8443"])
    page = Page(get(client, "/preferences/shop").get_data(as_text=True))
    [root] = page.find("div", id="preferences")
    assert json.loads(root["data-origins"]) == [
        "https://shop.example.kz", "https://www.shop.example.kz:8443"]
    assert root["data-site"] == "shop"
    assert root["data-revision"] == "1"
    assert root["data-consents-url"] == "/api/v1/consents"


def test_page_needs_no_receipt_in_the_query_and_never_echoes_one(client, site):
    plain = get(client, "/preferences/shop?lang=en")
    with_query = get(client, "/preferences/shop?lang=en&receipt=eyJrIjoiYyJ9.sig")
    assert plain.status_code == with_query.status_code == 200
    assert "eyJrIjoiYyJ9" not in with_query.get_data(as_text=True)
    assert plain.headers["Cache-Control"] == "no-cache"


def test_page_has_no_inline_script_or_style_for_the_strict_csp(client, site):
    response = get(client, "/preferences/shop")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = Page(response.get_data(as_text=True))
    scripts = page.find("script")
    assert {s.get("src") for s in scripts if s.get("type") != "application/json"} == {
        "/static/preferences.js"}
    assert not page.find("style")
    assert not [attrs for _, attrs in page.elements if "style" in attrs or any(
        name.startswith("on") for name in attrs)]


def test_every_control_is_labelled(client, make_site):
    make_site("shop", metrika=12345)
    page = Page(get(client, "/preferences/shop?lang=kk").get_data(as_text=True))
    labels = {a["for"] for a in page.find("label")}
    boxes = page.find("input", type="checkbox")
    assert [b["name"] for b in boxes] == ["essential", "functional", "analytics"]
    assert all(b["id"] in labels for b in boxes)
    assert "disabled" in boxes[0] and "checked" in boxes[0]
    assert "Аналитикалық cookie файлдары" in page.text
    # The service in the page's language, from the catalogue's Kazakh texts.
    assert ("Яндекс.Метрика («Яндекс» ЖШҚ). Сайтқа кірулерді санайды және келушілердің сайтты "
            "қалай пайдаланатынын көрсетеді. Cookie файлдары:") in page.text


def test_page_links_the_policy_in_force_in_the_page_language(client, site):
    page = Page(get(client, "/preferences/shop?lang=ru").get_data(as_text=True))
    assert page.find("a", href="/policies/shop/1/ru")


def test_unknown_site_is_an_html_404_in_the_visitors_language(client, app):
    response = get(client, "/preferences/nope?lang=kk")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert NOT_FOUND["kk"] in Page(response.get_data(as_text=True)).text


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_error_pages_are_translated(client, app, lang):
    response = get(client, f"/no/such/page?lang={lang}")
    assert response.status_code == 404
    page = Page(response.get_data(as_text=True))
    assert page.find("html")[0]["lang"] == lang
    assert NOT_FOUND[lang] in page.text
    assert "The requested URL was not found" not in " ".join(page.text)


def test_error_page_keeps_a_specific_reason(client, app):
    from flask import abort

    @app.get("/test-only/gone")
    def gone():
        abort(404, "Run `flask --app wsgi demo` first.")

    page = Page(get(client, "/test-only/gone?lang=ru").get_data(as_text=True))
    assert NOT_FOUND["ru"] in page.text
    assert "Run `flask --app wsgi demo` first." in page.text


@pytest.mark.parametrize(("lang", "title", "version"), [
    ("kk", "Policy kk", "№ 1 редакция, күшіне енген күні:"),
    ("ru", "Policy ru", "Редакция № 1, действует с"),
    ("en", "Policy en", "Version 1, in force from"),
])
def test_policy_page_speaks_the_language_of_its_text(client, site, lang, title, version):
    response = get(client, f"/policies/shop/1/{lang}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert page.find("html")[0]["lang"] == lang
    assert title in page.text
    assert any(text.startswith(version) for text in page.text)
    assert f"Cookie policy of shop ({lang})." in page.text
    switch = [a["href"] for a in page.find("a") if "hreflang" in a]
    assert switch == [f"/policies/shop/1/{code}" for code in ("kk", "ru", "en")]


@pytest.mark.parametrize("url", ["/policies/shop/2/kk", "/policies/shop/1/de",
                                 "/policies/nope/1/kk"])
def test_missing_policy_text_is_an_html_404(client, site, url):
    response = get(client, url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_without_its_script_the_page_offers_no_button_that_would_do_nothing(client, site):
    page = Page(get(client, "/preferences/shop?lang=en").get_data(as_text=True))
    buttons = page.find("button")
    assert len(buttons) == 5
    assert all("disabled" in button for button in buttons)
    assert "This page needs JavaScript to show and change your decision." in page.text


def test_a_site_without_a_policy_yet_still_has_a_page(client, make_site):
    make_site("shop", policy=False)
    page = Page(get(client, "/preferences/shop?lang=en").get_data(as_text=True))
    [root] = page.find("div", id="preferences")
    assert root["data-revision"] == "0"
    assert not [a for a in page.find("a") if a.get("href", "").startswith("/policies/")]
