"""The console edits a declared service: prefilled, checked like the add form, asked again only
for storage no earlier decision covered; and the Webvisor select lists the site's categories."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import flask_babel
import pytest
from sqlalchemy import func, select

from cookieconsent.catalogue import services as catalogue
from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry, Service, Site
from cookieconsent.sites import policies


class FormValues(HTMLParser):
    """What a browser sends with the page's form posting to ``action`` (None: to the page's
    own address): checked boxes only, a list for a name given more than once."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.select, self.textarea = action, False, None, None
        self.values: dict = {}

    def _add(self, name, value):
        if name in self.values:
            kept = self.values[name]
            self.values[name] = [*kept, value] if isinstance(kept, list) else [kept, value]
        else:
            self.values[name] = value

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = (attrs.get("action"), attrs.get("method")) == (self.action, "post")
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self._add(attrs["name"], attrs.get("value") or "")
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self._add(self.select, attrs["value"])
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.values[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


@pytest.fixture
def metrika(site):
    service = Service(**catalogue.preset("Yandex.Metrica"))
    site.services.append(service)
    db.session.commit()
    return service


def edit_url(service) -> str:
    return f"/admin/sites/shop/services/{service.id}"


def edit_form(admin_client, service) -> dict:
    """The fields a browser sends with the edit page's form, as the page fills them."""
    parser = FormValues(edit_url(service))
    parser.feed(admin_client.get(edit_url(service)).get_data(as_text=True))
    return parser.values


def row_of(values: dict, cookie: str) -> str:
    """The field prefix of ``cookie``'s row: ``cookie_rows-3-``."""
    return next(
        name[: -len("pattern")]
        for name, value in values.items()
        if name.endswith("-pattern") and value == cookie
    )


def stored(service) -> Service:
    db.session.expire_all()
    return db.session.get(Service, service.id)


def audit_details() -> list[dict]:
    return db.session.scalars(select(AuditEntry.details).order_by(AuditEntry.id)).all()


def config_version(site) -> int:
    return db.session.scalar(select(Site.config_version).where(Site.id == site.id))


def dialog_services(client, lang="ru") -> list[dict]:
    return client.get(f"/embed/shop/dialog/{lang}.json").get_json()["services"]


def script_config(client) -> dict:
    body = client.get("/embed/shop.js").get_data(as_text=True)
    return json.JSONDecoder().raw_decode(body, body.rindex("})({") + 3)[0]


def test_each_service_on_the_site_page_links_to_its_edit_page(admin_client, metrika):
    page = admin_client.get("/admin/sites/shop").get_data(as_text=True)
    assert f'href="{edit_url(metrika)}">Изменить</a>' in page


def test_the_edit_page_is_filled_in_with_the_service(admin_client, metrika):
    values = edit_form(admin_client, metrika)

    assert values["category"] == "analytics" and values["name_kk"] == "Яндекс.Метрика"
    assert values["provider_ru"] == "ООО «Яндекс»"
    assert "_ym_uid" in values["cookies"].split(", ")
    uid = row_of(values, "_ym_uid")
    assert values[uid + "purpose_ru"] == "Отличает одного посетителя сайта от другого."
    assert values[uid + "lifetime_kk"] == "1 жыл"
    assert "key" not in values  # the key consents name is not the operator's to change


def test_a_change_of_words_is_saved_served_at_once_and_asks_no_one_again(
    admin_client, client, site, metrika
):
    assert dialog_services(client)[0]["name"] == "Яндекс.Метрика"
    version = config_version(site)
    values = edit_form(admin_client, metrika)
    uid = row_of(values, "_ym_uid")
    values |= {
        "name_ru": "Метрика",
        "purpose_ru": "Считает посещения.",
        "provider_en": "Yandex",
        uid + "lifetime_ru": "13 месяцев",
    }

    answer = admin_client.post(edit_url(metrika), data=values, follow_redirects=True)

    assert "Сервис yandex-metrika сохранён." in answer.get_data(as_text=True)
    service = stored(metrika)
    ru = service.in_language("ru", site.default_language)
    assert (ru["name"], ru["purpose"]) == ("Метрика", "Считает посещения.")
    assert ru["cookies"]["_ym_uid"]["lifetime"] == "13 месяцев"
    assert service.in_language("en", site.default_language)["provider"] == "Yandex"
    assert service.category == "analytics" and service.cookies == metrika.cookies
    assert policies.current_revision(site) == 1 and script_config(client)["revision"] == 1
    assert config_version(site) > version and dialog_services(client)[0]["name"] == "Метрика"
    assert audit_details()[-1] == {"service_changed": "yandex-metrika"}


def test_words_in_a_language_the_site_no_longer_speaks_are_kept(admin_client, site, metrika):
    site.languages = ["kk", "ru"]
    db.session.commit()
    english = dict(metrika.texts["en"])
    assert english["name"] == "Yandex.Metrika" and english["cookies"]
    values = edit_form(admin_client, metrika)
    assert "name_en" not in values

    admin_client.post(edit_url(metrika), data=values | {"name_ru": "Метрика"})

    service = stored(metrika)
    assert service.in_language("ru", "ru")["name"] == "Метрика"
    assert service.texts["en"] == english


def test_removing_a_cookie_asks_no_one_again(admin_client, site, metrika):
    values = edit_form(admin_client, metrika)
    values["cookies"] = "_ym_uid, _ym_d"

    admin_client.post(edit_url(metrika), data=values)

    service = stored(metrika)
    assert service.cookies == ["_ym_uid", "_ym_d"]
    assert set(service.texts["ru"]["cookies"]) == {"_ym_uid", "_ym_d"}
    assert policies.current_revision(site) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"category": "functional"},
        {"cookies": "_ym_uid, _ym_new"},
        {"storage_keys": "ym_cache"},
    ],
)
def test_storage_no_decision_covered_asks_again_once_confirmed(
    admin_client, client, site, consent_body, metrika, change
):
    given = client.post("/api/v1/consents", json=consent_body()).get_json()
    values = edit_form(admin_client, metrika) | change

    refused = admin_client.post(edit_url(metrika), data=values)

    assert "отметьте поле, чтобы подтвердить" in refused.get_data(as_text=True)
    assert stored(metrika).category == "analytics" and "_ym_new" not in stored(metrika).cookies
    assert stored(metrika).storage_keys == [] and policies.current_revision(site) == 1

    answer = admin_client.post(
        edit_url(metrika), data=values | {"confirm": "y"}, follow_redirects=True
    )

    assert "Каждого посетителя спросят снова." in answer.get_data(as_text=True)
    service = stored(metrika)
    assert (service.category, ", ".join(service.cookies), ", ".join(service.storage_keys)) == (
        change.get("category", "analytics"),
        change.get("cookies", values["cookies"]),
        change.get("storage_keys", ""),
    )
    assert policies.current_revision(site) == 2 and script_config(client)["revision"] == 2
    stale = client.post("/api/v1/consents", json=consent_body(previous_receipt=given["receipt"]))
    assert stale.status_code == 409 and stale.get_json()["current_revision"] == 2
    assert audit_details()[-1] == {"service_changed": "yandex-metrika", "revision": 2}


def lifetime_of(values, cookie="_ym_uid", lang="ru"):
    return row_of(values, cookie) + f"lifetime_{lang}"


@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda v: {"category": "no_such"}, "Неверный вариант."),
        (
            lambda v: {"name_kk": "", "name_ru": "", "name_en": ""},
            "Укажите название сервиса хотя бы на одном языке",
        ),
        (lambda v: {"name_ru": "М" * 201}, "Название"),
        (lambda v: {"purpose_kk": "ы" * 501}, "Цель"),
        (lambda v: {row_of(v, "_ym_d") + "purpose_ru": "ц" * 201}, "Цель файла cookie"),
        (
            lambda v: {lifetime_of(v): "скоро"},
            "Не срок хранения: напишите, например, «13 месяцев» или «до закрытия браузера»",
        ),
        # In Kazakh's words: the console's language says what is wrong, the field's the examples.
        (lambda v: {lifetime_of(v, lang="kk"): "1 год"}, "«13 ай» или «браузер жабылғанға дейін»"),
    ],
)
def test_a_bad_edit_names_the_field_and_writes_nothing(admin_client, site, metrika, bad, message):
    values = edit_form(admin_client, metrika)
    values |= bad(values)
    before, version, entries = stored(metrika).texts, config_version(site), len(audit_details())

    answer = admin_client.post(edit_url(metrika), data=values | {"confirm": "y"})

    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    assert 'class="field invalid"' in answer.get_data(as_text=True)
    assert stored(metrika).texts == before and stored(metrika).category == "analytics"
    assert (config_version(site), len(audit_details())) == (version, entries)


def test_a_service_of_another_site_is_not_found(admin_client, make_site, site, metrika):
    other = make_site("blog", ("https://blog.example.kz",))
    values = edit_form(admin_client, metrika)

    assert admin_client.get(f"/admin/sites/{other.key}/services/{metrika.id}").status_code == 404
    answer = admin_client.post(
        f"/admin/sites/{other.key}/services/{metrika.id}", data=values | {"name_ru": "Чужое"}
    )

    assert answer.status_code == 404
    assert stored(metrika).in_language("ru", "ru")["name"] == "Яндекс.Метрика"


def test_a_viewer_cannot_edit(client, site, viewer, metrika):
    from admin_helpers import login

    login(client, "viewer@shop.kz")
    assert "Изменить</a>" not in client.get("/admin/sites/shop").get_data(as_text=True)
    assert client.get(edit_url(metrika)).status_code == 403
    assert client.post(edit_url(metrika), data={"name_ru": "Чужое"}).status_code == 403
    assert stored(metrika).in_language("ru", "ru")["name"] == "Яндекс.Метрика"


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"WTF_CSRF_ENABLED": True}

    def test_an_edit_without_the_token_is_refused(self, client, admin, site, metrika):
        from admin_helpers import PASSWORD

        page = client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post(
            "/admin/login",
            data={"email": "boss@shop.kz", "password": PASSWORD, "csrf_token": token},
        )
        values = edit_form(client, metrika)
        assert values["csrf_token"]

        refused = client.post(edit_url(metrika), data=values | {"csrf_token": "", "name_ru": "М"})
        assert refused.status_code == 400
        assert stored(metrika).in_language("ru", "ru")["name"] == "Яндекс.Метрика"

        accepted = client.post(edit_url(metrika), data=values | {"name_ru": "М"})
        assert accepted.status_code == 302
        assert stored(metrika).in_language("ru", "ru")["name"] == "М"


# --- Webvisor's category ----------------------------------------------------------------------


def site_form(admin_client) -> dict:
    parser = FormValues(None)
    parser.feed(admin_client.get("/admin/sites/shop/edit").get_data(as_text=True))
    return parser.values


def webvisor_options(admin_client, lang="ru") -> list[tuple[str, str]]:
    flask_babel.refresh()  # the test app's one app context keeps the locale it found first
    page = admin_client.get(f"/admin/sites/shop/edit?lang={lang}").get_data(as_text=True)
    select_ = re.search(r'<select[^>]*name="metrika_webvisor_category".*?</select>', page, re.S)
    return re.findall(r'<option[^>]*value="([^"]+)"[^>]*>([^<]*)</option>', select_.group(0))


def test_webvisor_waits_for_one_of_the_sites_own_categories(admin_client, make_site):
    site = make_site(metrika=12345)
    admin_client.post(
        "/admin/sites/shop/categories",
        data={
            "new-key": "session_replay",
            "new-title_kk": "Сеанс жазбасы",
            "new-title_ru": "Запись сеансов",
            "new-title_en": "Session replay",
            "new-confirm": "y",
        },
    )
    admin_client.post(
        "/admin/sites/shop/categories/analytics", data={"analytics-title_ru": "Статистика"}
    )

    assert webvisor_options(admin_client) == [
        ("functional", "Функциональные файлы cookie"),
        ("analytics", "Статистика"),
        ("session_replay", "Запись сеансов"),
    ]
    assert ("session_replay", "Сеанс жазбасы") in webvisor_options(admin_client, "kk")
    webvisor_options(admin_client, "ru")

    values = site_form(admin_client) | {
        "metrika_webvisor": "y",
        "metrika_webvisor_category": "session_replay",
    }
    assert admin_client.post("/admin/sites/shop/edit", data=values).status_code == 302
    db.session.expire_all()
    webvisor = next(s for s in site.services if s.key == "yandex-webvisor")
    assert webvisor.category == "session_replay"


@pytest.mark.parametrize("category", ["marketing", "essential"])
def test_webvisor_under_a_category_the_site_lacks_is_refused(admin_client, make_site, category):
    site = make_site(metrika=12345)
    entries = len(audit_details())
    values = site_form(admin_client) | {
        "metrika_webvisor": "y",
        "metrika_webvisor_category": category,
    }

    answer = admin_client.post("/admin/sites/shop/edit", data=values)

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    field = re.search(r'<div class="field invalid">.*?</div>', page, re.S).group(0)
    assert 'name="metrika_webvisor_category"' in field and 'class="error"' in field
    db.session.expire_all()
    assert not any(s.key == "yandex-webvisor" for s in site.services)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == entries


def test_every_service_of_the_catalogue_fills_in_lifetimes_the_form_takes(app):
    # The Open Cookie Database says "Unknown", "Varies" or "forever" for some cookies: the
    # form must not refuse what the operator picked from the catalogue and did not type.
    refused = {}
    for platform in catalogue.names():
        for language, texts in catalogue.preset(platform)["texts"].items():
            for cookie, text in texts["cookies"].items():
                lifetime = text["lifetime"]
                if lifetime and not catalogue.is_duration(lifetime, language):
                    refused[(platform, cookie, language)] = lifetime
    assert refused == {}
