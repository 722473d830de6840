"""In Kazakh and Russian, the banner, its dialog and the preference page show no English:
walked in Chromium, every visible text node is checked against the English catalog."""

from __future__ import annotations

import pytest
from banner_support import action
from test_wording import english_leftovers

from cookieconsent.demo import seed
from cookieconsent.extensions import db

pytestmark = pytest.mark.browser

#: The visible text nodes under a root (a document or the banner's shadow root).
VISIBLE_TEXTS = """root => {
  const found = [], walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const parent = node.parentElement, words = node.data.replace(/\\s+/g, " ").trim();
    if (words && parent.closest("script,style,code") === null && parent.checkVisibility())
      found.push(words);
  }
  return found;
}"""
#: The demo's own data in English: the seed gives it kk and ru words.
DEMO_ENGLISH = ("Demo shop", "Video player", "Demo video host", "Yandex LLC", "Yandex.Metrika")


@pytest.fixture
def demo_site(app):
    site = seed.seed()
    db.session.commit()
    return site


def banner_texts(page) -> list[str]:
    return page.evaluate(
        f"({VISIBLE_TEXTS})(document.getElementById('cookieconsent').shadowRoot)")


def english_in(texts: list[str], language: str) -> list[str]:
    english = english_leftovers(language)
    return sorted({text for text in texts if text in english
                   or any(word in text for word in DEMO_ENGLISH)})


@pytest.mark.parametrize(("language", "names"), [
    ("kk", ["Яндекс.Метрика", "Бейне ойнатқыш"]),
    ("ru", ["Яндекс.Метрика", "Видеоплеер"]),
])
def test_banner_dialog_and_preference_page_show_no_english(
    page, live_server, demo_site, language, names
):
    page.goto(f"{live_server.url}/demo?lang={language}")
    action(page, "accept-all").wait_for()
    seen = {"banner": banner_texts(page)}
    action(page, "customize").click()
    page.locator("#cookieconsent .dlg").wait_for()
    seen["dialog"] = banner_texts(page)
    # The services in the page's language, with their providers.
    assert set(names) <= set(seen["dialog"])
    page.goto(f"{live_server.url}/preferences/{demo_site.key}?lang={language}")
    page.wait_for_function("!document.querySelector('#decision[aria-busy=\"true\"]')")
    seen["preference page"] = page.evaluate(f"({VISIBLE_TEXTS})(document.body)")
    assert any(name in text for name in names for text in seen["preference page"])

    found = {where: english_in(texts, language) for where, texts in seen.items()}
    assert found == {"banner": [], "dialog": [], "preference page": []}
