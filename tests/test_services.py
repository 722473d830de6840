"""Services in every language: from the catalogue, in the console, in the banner's texts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from test_migrations import empty_database_url  # noqa: F401  (a fixture)

from cookieconsent import create_app
from cookieconsent.catalogue import services as catalogue
from cookieconsent.extensions import db
from cookieconsent.models import Service


class FormValues(HTMLParser):
    """The fields a browser would send with the console's add-a-service form."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif self.inside and tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif self.inside and tag == "select":
            self._select = attrs["name"]
        elif self.inside and tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def add_form(admin_client, query: str) -> dict:
    page = admin_client.get(f"/admin/sites/shop?{query}").get_data(as_text=True)
    parser = FormValues("/admin/sites/shop/services")
    parser.feed(page)
    return parser.values


def test_search_finds_a_service_by_any_of_its_names(admin_client, site):
    page = admin_client.get("/admin/sites/shop?q=яндекс").get_data(as_text=True)
    assert "service=Yandex.Metrica" in page and ">Яндекс.Метрика</a>" in page
    assert "service=Kaspi.kz" in admin_client.get("/admin/sites/shop?q=kaspi").get_data(True)
    nothing = admin_client.get("/admin/sites/shop?q=no-such-tool-anywhere").get_data(True)
    assert "В каталоге нет такого сервиса" in nothing


def test_adding_yandex_metrica_from_the_catalogue_fills_its_cookies_and_lifetimes(
    admin_client, site
):
    values = add_form(admin_client, "service=Yandex.Metrica")
    assert values["key"] == "yandex-metrika" and values["category"] == "analytics"
    assert values["name_kk"] == "Яндекс.Метрика" and values["provider_ru"] == "ООО «Яндекс»"
    for cookie in ("_ym_uid", "_ym_d", "_ym_isad", "_ym_visorc_*"):
        assert cookie in values["cookies"].split(", ")
    values["name_en"] = "Metrika"  # the operator edits from there

    assert admin_client.post("/admin/sites/shop/services", data=values).status_code == 302

    service = db.session.query(Service).filter_by(key="yandex-metrika").one()
    ru = service.in_language("ru", site.default_language)
    assert ru["cookies"]["_ym_uid"] == {
        "purpose": "Отличает одного посетителя сайта от другого.", "lifetime": "1 год"}
    assert ru["cookies"]["_ym_d"]["lifetime"] == "1 год"
    assert ru["cookies"]["_ym_isad"]["lifetime"] == "2 дня"
    assert ru["cookies"]["_ym_visorc_*"]["lifetime"] == "30 минут"
    kk = service.in_language("kk", site.default_language)
    assert (kk["name"], kk["cookies"]["_ym_uid"]["lifetime"]) == ("Яндекс.Метрика", "1 жыл")
    assert service.in_language("en", site.default_language)["name"] == "Metrika"
    assert kk["cookies"]["yabs-sid"]["lifetime"] == "браузер жабылғанға дейін"


@pytest.mark.parametrize("field, value, message", [
    ("category", "no_such", "Категория: Неверный вариант."),
    ("name_ru", "Я" * 201, "Название (ru)"),
    ("cookie_rows-0-lifetime_ru", "когда-нибудь", "Не срок хранения: напишите, например"),
    ("cookie_rows-0-purpose_en", "p" * 201, "Цель файла cookie (en)"),
    ("name_kk", "", "Укажите название сервиса хотя бы на одном языке"),
])
def test_a_bad_form_names_the_field_and_declares_nothing(
    admin_client, site, field, value, message
):
    values = add_form(admin_client, "service=Yandex.Metrica")
    values[field] = value
    if field == "name_kk":
        values |= {"name_ru": "", "name_en": ""}

    answer = admin_client.post("/admin/sites/shop/services", data=values, follow_redirects=True)

    assert message in answer.get_data(as_text=True)
    assert db.session.query(Service).filter_by(key="yandex-metrika").count() == 0


def test_the_dialog_texts_carry_the_names_in_the_page_language(client, site):
    preset = catalogue.preset("Yandex.Metrica")
    site.services.append(Service(**preset))
    site.services.append(Service(key="chat", name="Chat", provider="Chat Inc",
                                 category="functional", cookies=[], storage_keys=[],
                                 texts={"ru": {"name": "Чат"}}))
    db.session.commit()

    def said(lang):
        services = client.get(f"/embed/shop/dialog/{lang}.json").get_json()["services"]
        return [[s["name"], s["provider"]] for s in services]

    # No kk for the chat: the default language's (ru).
    assert said("kk") == [["Яндекс.Метрика", "«Яндекс» ЖШҚ"], ["Чат", "Chat Inc"]]
    assert said("en") == [["Yandex.Metrika", "Yandex LLC"], ["Чат", "Chat Inc"]]
    # The language-independent config carries no words of a service.
    script = client.get("/embed/shop.js").get_data(as_text=True)
    assert "Yandex" not in script and "Chat" not in script and "Чат" not in script


def test_existing_services_keep_their_text_as_the_default_language(empty_database_url):  # noqa: F811
    app = create_app({"ENV": "testing", "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="4e7a1c9d2f60")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO site (id, key, name, origins, apps, languages, default_language,"
                " consent_lifetime_days, time_zone, proof_retention_days, form_retention_days,"
                " forms, metrika_options, google_consent_mode, gpc_refuses_analytics,"
                " floating_button, subject_secret, created_at, config_version) VALUES"
                " (1, 'kz', 'Kz', '[]', '[]', '[\"kk\", \"ru\"]', 'kk', 365, 'Asia/Almaty',"
                " 1095, 1095, '[]', '{}', false, false, true, 's', '2026-01-01', 0)"))
            conn.execute(text(
                "INSERT INTO service (site_id, key, name, category, provider, cookies,"
                " storage_keys) VALUES (1, 'video', 'Бейне', 'functional', 'Хост',"
                " '[\"v\"]', '[]'), (1, 'chat', 'Чат', 'functional', NULL, '[]', '[]')"))
        upgrade()
        db.session.remove()
        services = {s.key: s for s in db.session.query(Service)}
        assert services["video"].texts == {"kk": {"name": "Бейне", "provider": "Хост"}}
        assert services["chat"].texts == {"kk": {"name": "Чат"}}
        assert services["video"].in_language("ru", "kk")["name"] == "Бейне"
        db.session.remove()
        db.engine.dispose()


def test_lifetimes_in_every_language():
    assert catalogue.lifetimes("13 months") == {"kk": "13 ай", "ru": "13 месяцев",
                                                "en": "13 months"}
    assert catalogue.lifetimes("1 year (in some countries, longer)") == {
        "en": "1 year (in some countries, longer)"}
