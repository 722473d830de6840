"""What a visitor downloads, and when: the first-visit script and texts carry only what the
site uses; the preferences dialog's code and texts come apart, immutable, when it is opened."""

from __future__ import annotations

import base64
import gzip
import hashlib

import pytest
from test_embed import config_of
from test_forms import DETAILS

from cookieconsent.embed import texts
from cookieconsent.extensions import db
from cookieconsent.forms import documents


@pytest.fixture
def shop(make_site):
    return make_site(metrika=12345678)


def first_visit(client, lang="kk") -> tuple[str, dict, dict]:
    """The script's body, its config and the texts of ``lang``, as a first visit gets them."""
    script = client.get("/embed/shop.js")
    config = config_of(script)
    words = client.get(f"/embed/shop/texts/{lang}.json?v={config['texts'][lang]}").get_json()
    return script.get_data(as_text=True), config, words


def test_a_site_without_guarded_forms_gets_no_form_guard(client, shop):
    body, config, words = first_visit(client)
    assert "/api/v1/form-consents" not in body and "forms" not in config
    assert not texts.FORMS & set(words)


def test_a_site_with_guarded_forms_gets_the_guard_and_its_texts(client, shop):
    documents.publish(shop, DETAILS)
    db.session.commit()
    body, config, words = first_visit(client)
    assert "/api/v1/form-consents" in body and config["forms"]["ids"] == ["feedback"]
    assert texts.FORMS <= set(words)


def test_the_dialog_texts_come_apart_from_the_first_visit(client, shop):
    body, config, words = first_visit(client, "ru")
    assert not texts.DIALOG & set(words) and "cookies" not in words
    # The first script keeps what it deletes without consent; names come with the dialog.
    assert config["services"] == [{"category": "analytics", "cookies": shop.services[0].cookies,
                                   "storage": ["_ym*"]}]
    assert "Метрика" not in body and "Yandex" not in body
    version = config["texts"]["ru"]
    response = client.get(f"/embed/shop/dialog/ru.json?v={version}")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "immutable" in response.headers["Cache-Control"]
    dialog = response.get_json()
    assert dialog["analytics_about"].startswith("Помогают понять")
    # Named in the page's language, from the catalogue's Russian.
    assert dialog["services"][0]["name"] == "Яндекс.Метрика"
    assert dialog["cookies"] == {"6": "6 файлов cookie"}
    assert "immutable" not in client.get("/embed/shop/dialog/ru.json?v=old").headers[
        "Cache-Control"]
    missing = client.get("/embed/shop/dialog/de.json")
    assert missing.status_code == 404 and "language" in missing.get_json()["fields"]


def test_the_dialog_code_is_pinned_by_the_first_script(client, shop):
    version, integrity = config_of(client.get("/embed/shop.js"))["dialog"]
    response = client.get(f"/embed/_dialog/{version}.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "immutable" in response.headers["Cache-Control"]
    code = gzip.decompress(response.data)
    assert code.startswith(b"cookieconsent._dialog=function(")
    # What the browser checks before it runs the dialog: the hash the first script names.
    assert integrity == "sha384-" + base64.b64encode(hashlib.sha384(code).digest()).decode()


def test_another_releases_dialog_is_a_404_naming_the_version(client, shop):
    response = client.get("/embed/_dialog/0123456789abcdef.js")
    assert response.status_code == 404 and "version" in response.get_json()["fields"]


def test_a_changed_service_gives_the_dialog_texts_a_new_version(client, shop):
    before = config_of(client.get("/embed/shop.js"))["texts"]["ru"]
    shop.services[0].texts = {"ru": {"name": "Метрика"}}
    db.session.commit()
    after = config_of(client.get("/embed/shop.js"))["texts"]["ru"]
    assert after != before
    assert client.get(f"/embed/shop/dialog/ru.json?v={after}").get_json()["services"][0][
        "name"] == "Метрика"
