"""The personal-data consent document: fields, rendered texts, immutability, its page."""

from __future__ import annotations

import copy
import json

import pytest
from flask_babel import force_locale, gettext
from marshmallow import ValidationError
from test_forms import DETAILS

from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.models.policy import ImmutableError


@pytest.mark.parametrize(("language", "expected"), [
    ("kk", ["Дербес деректерді жинауға және өңдеуге келісім", "«Дүкен» ЖШС", "БСН 180340012346",
            "аты, телефон нөмірі, электрондық пошта мекенжайы, хабарлама мәтіні",
            "менің өтінішіме жауап беру", "1 жыл", "Kcell JSC (мақсаты: SMS жіберу)",
            "мына шет мемлекеттердің аумағына жүзеге асырылады: Ресей Федерациясы",
            "Дербес деректер қамтылған база операторы",
            "жалпыға қолжетімді дереккөздерде тарату: жүзеге асырылмайды",
            "операторға (privacy@shop.example.kz) жүгіну арқылы",
            "заңдарына қайшы келетін немесе орындалмаған міндеттеме",
            "телефон нөмірі және (немесе) электрондық пошта мекенжайы бойынша"]),
    ("ru", ["Согласие на сбор и обработку персональных данных", "ТОО «Магазин»", "БИН 180340012346",
            "имя, номер телефона, адрес электронной почты и текст сообщения",
            "ответ на моё обращение", "1 год", "Kcell JSC (цель: отправка SMS)",
            "на территорию следующих иностранных государств: Российская Федерация",
            "Распространение персональных данных в общедоступных источниках: не осуществляется",
            "отозвать согласие", "«О персональных данных и их защите»",
            "противоречит законам Республики Казахстан либо имеется неисполненное обязательство",
            "идентифицируется по указанным им номеру телефона"]),
    ("en", ["Consent to the collection and processing of personal data", "Shop LLP",
            "BIN 180340012346",
            "name, phone number, e-mail address, and text of the message",
            "answering my request", "1 year", "Kcell JSC (purpose: sending SMS)",
            "foreign states: the Russian Federation",
            "Dissemination of the personal data in publicly available sources: none",
            "withdraw this consent", "an obligation is unfulfilled"]),
])
def test_document_text_states_what_the_law_asks(site, language, expected):
    text = documents.render(site, documents.validate_details(DETAILS), language)
    for phrase in expected:
        assert phrase in text["title"] + "\n" + text["body"], phrase


@pytest.mark.parametrize(("change", "phrase"), [
    ({"term_months": 18}, {"ru": "18 месяцев", "kk": "18 ай", "en": "18 months"}),
    ({"third_parties": [], "cross_border": [], "published": True},
     {"ru": "Передача персональных данных третьим лицам: не осуществляется",
      "kk": "Дербес деректерді трансшекаралық беру: жүзеге асырылмайды",
      "en": "Dissemination of the personal data in publicly available sources: takes place"}),
    ({"cross_border": ["KG", "US", "AE"]},
     {"ru": "Кыргызская Республика; Соединённые Штаты Америки; Объединённые Арабские Эмираты",
      "kk": "Қырғыз Республикасы; Америка Құрама Штаттары; Біріккен Араб Әмірліктері",
      "en": "the Kyrgyz Republic; the United States of America; the United Arab Emirates"}),
])
def test_document_text_follows_the_fields(site, change, phrase):
    details = documents.validate_details(DETAILS | change)
    for language, words in phrase.items():
        assert words in documents.render(site, details, language)["body"]


def broken(path: str, value):
    details = copy.deepcopy(DETAILS)
    *parents, last = path.split(".")
    target = details
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return details


BAD_DETAILS = [
    ("operator.bin", "12345", "operator"),
    ("operator.bin", KeyError, "operator"),
    ("operator.name", {"ru": "ТОО", "de": "GmbH"}, "operator"),
    ("data", [], "data"),
    ("data", ["passport"], "data"),
    ("purposes", ["spam"], "purposes"),
    ("term_months", 0, "term_months"),
    ("term_months", "12", "term_months"),
    ("cross_border", ["KZ"], "cross_border"),
    ("cross_border", ["Russia"], "cross_border"),
    ("cross_border", ["XX"], "cross_border"),
    ("extra", True, "extra"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_DETAILS,
                         ids=[f"{p}={v!r}" for p, v, _ in BAD_DETAILS])
def test_bad_details_are_refused_naming_the_field(path, value, field):
    with pytest.raises(ValidationError) as error:
        documents.validate_details(broken(path, value))
    assert field in error.value.messages


def test_texts_missing_in_a_site_language_are_refused(site):
    details = broken("operator.name", {"ru": "ТОО «Магазин»", "en": "Shop LLP"})
    with pytest.raises(ValidationError) as error:
        documents.draft(site, details)
    assert "kk" in str(error.value.messages)


def test_published_document_cannot_change(site):
    version = documents.publish(site, DETAILS)
    db.session.commit()
    version.texts[0].body = "Another text"
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()


def test_document_page_shows_the_exact_text(client, site):
    version = documents.publish(site, DETAILS)
    db.session.commit()
    page = client.get(f"/consent/shop/{version.number}/kk")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Дербес деректерді жинауға және өңдеуге келісім" in html
    assert version.text_for("kk").sha256 in html
    assert 'hreflang="ru"' in html and 'hreflang="en"' in html
    assert client.get(f"/consent/shop/{version.number}/de").status_code == 404
    assert client.get(f"/consent/shop/{version.number + 1}/kk").status_code == 404
    current = client.get("/consent/shop", headers={"Accept-Language": "en"})
    assert current.status_code == 302
    assert current.headers["Location"].endswith(f"/consent/shop/{version.number}/en")


def test_cli_publishes_a_document_from_json(runner, site, tmp_path):
    path = tmp_path / "consent.json"
    path.write_text(json.dumps(DETAILS, ensure_ascii=False), "utf-8")
    result = runner.invoke(args=["forms", "publish-document", "shop", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output and "/consent/shop/1/kk" in result.output
    shown = runner.invoke(args=["forms", "show-document", "shop", "--language", "ru"])
    assert "ТОО «Магазин»" in shown.output
    path.write_text(json.dumps(broken("operator.bin", "1")), "utf-8")
    bad = runner.invoke(args=["forms", "publish-document", "shop", str(path), "--yes"])
    assert bad.exit_code != 0 and "operator.bin" in bad.output


def test_cli_sets_the_forms_and_retention(runner, site):
    result = runner.invoke(args=["forms", "set", "shop", "--form", "feedback", "--form",
                                 "callback", "--retention-days", "365"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (site.forms, site.form_retention_days) == (["callback", "feedback"], 365)


def test_demo_site_gets_a_consent_document_and_the_embed_config_names_it(runner, client, app):
    for _ in range(2):
        assert runner.invoke(args=["demo"]).exit_code == 0
    from cookieconsent.sites.registry import get_site

    site = get_site("demo")
    version = documents.in_force(site)
    assert version.number == 1 and version.kind == "personal_data"
    with app.test_request_context():
        config = documents.form_config(site)
    assert config == {
        "ids": ["feedback"], "version": 1, "url": "http://localhost/consent/demo/1/"}
    script = client.get("/embed/demo.js").get_data(as_text=True)
    assert "/consent/demo/1/" in script


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_document_page_speaks_the_documents_language_whatever_the_browser(
    client, site, language
):
    version = documents.publish(site, DETAILS)
    db.session.commit()
    browser = {"kk": "ru", "ru": "en", "en": "kk"}[language]
    page = client.get(f"/consent/shop/{version.number}/{language}",
                      headers={"Accept-Language": browser})
    html = page.get_data(as_text=True)
    assert f'<html lang="{language}">' in html
    with force_locale(language):
        meta = gettext("Version %(number)s, in force from %(date)s", number=version.number,
                       date="")
    assert meta.split("%")[0].strip() in html
