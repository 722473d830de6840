"""Words and law: the consent document's wording version, and no English left on kk/ru pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from admin_helpers import audit_samples, bulk_events
from babel.messages.pofile import read_po
from test_forms import DETAILS

from cookieconsent.catalogue import services as catalogue
from cookieconsent.config import DATA
from cookieconsent.demo import seed
from cookieconsent.extensions import db
from cookieconsent.forms import documents, wording
from cookieconsent.models import Service
from cookieconsent.sites import policies


def old_wording_document(site):
    """A document as published before the wording had a number: no ``wording`` in details."""
    details = documents.validate_details(DETAILS)
    details.pop("wording")
    texts = {lang: {"title": "Согласие на обработку персональных данных",
                    "body": f"Old wording ({lang}): свободно, своей волей и в своём интересе."}
             for lang in site.languages}
    version = policies.publish(
        policies.draft(site, texts, kind=documents.KIND, details=details)
    )
    db.session.commit()
    return version


def test_a_new_document_records_the_current_wording(site):
    version = documents.publish(site, DETAILS | {"wording": 1})
    assert version.details["wording"] == wording.WORDING_VERSION
    assert not documents.redraft_needed(site)


def test_no_foreign_formula_and_no_cldr_short_names(site):
    details = documents.validate_details(DETAILS | {"cross_border": ["KG", "AE"]})
    for language in ("kk", "ru", "en"):
        body = documents.render(site, details, language)["body"]
        for borrowed in ("свободно, своей волей", "өз еркіммен", "freely, of my own will",
                         "Киргизия", "ОАЭ", "Қырғызстан", "UAE"):
            assert borrowed not in body


def test_the_console_offers_to_publish_an_outdated_document_in_the_current_wording(
    admin_client, site
):
    old = old_wording_document(site)
    old_body, old_sha = old.text_for("ru").body, old.text_for("ru").sha256
    page = admin_client.get("/admin/sites/shop/policies?lang=ru").get_data(as_text=True)
    assert "data-wording-outdated" in page
    assert "Опубликовать в текущей формулировке" in page

    answer = admin_client.post("/admin/sites/shop/consent-document/renew")
    assert answer.status_code == 302
    db.session.expire_all()
    current = documents.in_force(site)
    assert current.number == old.number + 1
    assert current.text_for("ru").title == "Согласие на сбор и обработку персональных данных"
    assert "неисполненное обязательство" in current.text_for("ru").body
    # The old version is frozen: consents given to it still name its exact text.
    assert documents.published_version(site, old.number).text_for("ru").body == old_body
    assert documents.published_version(site, old.number).text_for("ru").sha256 == old_sha
    page = admin_client.get("/admin/sites/shop/policies?lang=ru").get_data(as_text=True)
    assert "data-wording-outdated" not in page
    # Nothing left to renew: a second press changes nothing.
    assert admin_client.post("/admin/sites/shop/consent-document/renew").status_code == 409


# --- No English on a kk or ru page ------------------------------------------------------------


class VisibleText(HTMLParser):
    """Text nodes a reader sees: not inside script, style or code."""

    HIDDEN = {"script", "style", "code", "pre"}

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.texts.append(" ".join(data.split()))


def english_leftovers(language: str) -> set[str]:
    """English msgids that ``language`` translates differently, or leaves untranslated."""
    with open(DATA / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    english = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if "%(" in msgid or msgid in strings:
                continue  # a placeholder text, or the same words in both languages
            english.add(msgid)
    return english


#: A stored key shown raw (``admin``, ``policy.publish``, ``functional, analytics``): English.
RAW_KEYS = re.compile(r"^[a-z_]+(\.[a-z_]+)*(, [a-z_]+)*$")

#: A stored value printed as Python prints it.
PYTHON_WORDS = {"True", "False", "None", "[]", "{}"}

#: A role's stored name beside a typed e-mail: "boss@shop.kz (admin)".
RAW_ROLE = re.compile(r"\((admin|viewer)\)")


def console_pages(site, consent_id, operator_id):
    key = site.key
    services = [f"/admin/sites/{key}/services/{service.id}" for service in site.services]
    return [*services,
        "/admin/", f"/admin/sites/{key}/dashboard", f"/admin/sites/{key}/log",
        f"/admin/sites/{key}/consents/{consent_id}", f"/admin/sites/{key}/subjects",
        f"/admin/sites/{key}/policies", f"/admin/sites/{key}/policies/1",
        f"/admin/sites/{key}/policies/{documents.KIND}/1", f"/admin/sites/{key}",
        f"/admin/sites/{key}/edit", "/admin/operators", f"/admin/operators/{operator_id}",
        "/admin/tokens", "/admin/audit", "/admin/retention", f"/admin/sites/{key}/wording",
        f"/admin/sites/{key}/preview", f"/admin/sites/{key}/webhooks",
        f"/admin/sites/{key}/scans", f"/admin/sites/{key}?q=яндекс",
        f"/admin/sites/{key}?service=Yandex.Metrica", f"/admin/sites/{key}?q=no-such-service",
        f"/admin/sites/{key}/categories", f"/admin/sites/{key}/look",
        f"/admin/sites/{key}/policies/new", "/admin/sites/new",
        f"/admin/sites/{key}/preview/frame",
    ]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_no_console_page_shows_english(app, admin_client, site, recorded, language):
    from cookieconsent.accounts import audit, users
    from cookieconsent.models import Operator

    documents.publish(site, DETAILS)
    site.forms = ["feedback"]
    site.services.append(Service(**catalogue.preset("Yandex.Metrica")))
    db.session.commit()
    consent_id = recorded()["consent_id"]
    admin_client.post("/api/v1/form-consents", json={
        "site": site.key, "form": "feedback", "document_version": 1, "language": "ru",
        "agreed": True, "subject": {"phone": "87012345678"}})
    bulk_events(site, 6)
    admin_client.post("/admin/retention/purge")
    admin_client.post("/admin/tokens", data={"name": "nightly export"})
    users.create_operator("viewer@shop.kz", "correct horse battery", "viewer")
    for action, details in audit_samples(site.key):
        audit.record(action, site=site, target=site.key, details=details, actor="admin@shop.kz")
    db.session.commit()
    viewer = db.session.query(Operator).filter_by(email="viewer@shop.kz").one()
    admin_client.get(f"/admin/?lang={language}")
    english = english_leftovers(language)
    found = {}
    for url in console_pages(site, consent_id, viewer.id):
        answer = admin_client.get(url)
        assert answer.status_code == 200, url
        parser = VisibleText()
        parser.feed(answer.get_data(as_text=True))
        # The product's name; data the operator typed (a form's key, an app's id).
        typed = {site.key, "cookieconsent", "feedback", "kz.dala.shop"}
        leftovers = sorted(
            text for text in set(parser.texts) - typed
            if text in english or RAW_KEYS.match(text) or text in PYTHON_WORDS
            or RAW_ROLE.search(text)
        )
        if leftovers:
            found[url] = leftovers
    # The login page, to someone not signed in.
    parser = VisibleText()
    parser.feed(app.test_client().get(f"/admin/login?lang={language}").get_data(as_text=True))
    found["/admin/login"] = sorted(set(parser.texts) & english)
    assert found == {"/admin/login": []}


@pytest.mark.parametrize(("language", "operator"), [
    ("kk", "«Дала шайы» ЖШС"), ("ru", "ТОО «Дала шайы»"),
])
def test_the_demo_shows_its_shop_by_name_not_in_english(client, language, operator):
    seed.seed()
    db.session.commit()
    pages = {
        "preference page": f"/preferences/{seed.DEMO_KEY}?lang={language}",
        "cookie policy": f"/policies/{seed.DEMO_KEY}/1/{language}",
        "consent document": f"/consent/{seed.DEMO_KEY}/1/{language}",
    }
    texts = {}
    for where, url in pages.items():
        answer = client.get(url)
        assert answer.status_code == 200, url
        parser = VisibleText()
        parser.feed(answer.get_data(as_text=True))
        texts[where] = " ".join(parser.texts)
    assert all("Дала шайы" in text for text in texts.values())
    assert operator in texts["consent document"]
    assert {where: "demo" in text.lower() for where, text in texts.items()} == dict.fromkeys(
        pages, False)


def test_a_demo_seeded_earlier_gets_the_shops_name_and_keeps_its_documents(app):
    site = seed.seed()
    site.name = seed.OLD_DEMO_NAME
    db.session.commit()
    published = documents.in_force(site).text_for("ru")
    body, sha = published.body, published.sha256

    seed.seed()
    db.session.commit()
    db.session.expire_all()
    assert site.name == seed.DEMO_NAME
    assert documents.in_force(site).number == 1
    assert documents.in_force(site).text_for("ru").body == body
    assert documents.in_force(site).text_for("ru").sha256 == sha


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_version_number_is_written_with_the_number_sign_and_a_non_breaking_space(language):
    with open(DATA / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    unsigned = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if not any(re.search(r"\bversion %\(number\)s", msgid, re.I) for msgid in ids):
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        unsigned += [text for text in strings if "№\u00a0%(number)s" not in text]
    assert unsigned == []


def test_kazakh_keeps_the_word_for_the_pinned_variant_to_that_variant():
    with open(DATA / "translations" / "kk" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale="kk")
    elsewhere = [
        message.id for message in catalog
        if "нұсқа" in str(message.string) and "variant" not in str(message.id).lower()
        and "Subresource Integrity" not in str(message.id)
    ]
    assert elsewhere == []
