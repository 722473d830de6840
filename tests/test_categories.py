"""Categories per site: the console adds, renames, reorders and removes them; the API's choices,
the receipt, the banner's config and texts follow them; adding or removing asks again."""

import json

import pytest
from sqlalchemy import select

from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry, ConsentEvent, ScanReport, Service
from cookieconsent.sites import categories, policies


def add(admin_client, key, confirm=True, **fields):
    data = {"new-key": key, **{f"new-{name}": value for name, value in fields.items()}}
    if confirm:
        data["new-confirm"] = "y"
    return admin_client.post("/admin/sites/shop/categories", data=data)


def keys(site):
    db.session.expire_all()
    return [c.key for c in site.categories]


def texts_of(client, lang="ru"):
    return client.get(f"/embed/shop/texts/{lang}.json").get_json()


def dialog_texts_of(client, lang="ru"):
    return client.get(f"/embed/shop/dialog/{lang}.json").get_json()


def config_of(client):
    body = client.get("/embed/shop.js").get_data(as_text=True)
    return json.loads(body[body.rindex('({"site"') + 1 : body.rindex(',"')])


# --- The console ---------------------------------------------------------------------------


@pytest.fixture
def console(admin_client):
    """The console of an admin, in English."""
    admin_client.get("/admin/?lang=en")
    return admin_client


def test_the_page_warns_before_adding_or_removing(console, site):
    page = console.get("/admin/sites/shop/categories").get_data(as_text=True)
    assert "Adding a category is a significant change: every visitor will be asked again." in page
    assert "Removing a category is a significant change" in page
    assert 'data-category-row="essential"' in page and "marketing" in page


def test_adding_unconfirmed_changes_nothing(console, site):
    response = add(console, "marketing", confirm=False, always_show="y")
    assert response.status_code == 302
    assert keys(site) == ["essential", "functional", "analytics"]
    assert policies.current_revision(site) == 1
    assert "tick the box" in console.get("/admin/sites/shop/categories").get_data(as_text=True)


def test_adding_a_category_asks_every_visitor_again(admin_client, client, site, consent_body):
    given = client.post("/api/v1/consents", json=consent_body()).get_json()
    assert add(admin_client, "marketing", always_show="y").status_code == 302
    assert keys(site) == ["essential", "functional", "analytics", "marketing"]
    assert policies.current_revision(site) == 2
    assert config_of(client)["revision"] == 2
    # The decision under revision 1 is no longer current: a client sending it is told so.
    stale = client.post("/api/v1/consents", json=consent_body(previous_receipt=given["receipt"]))
    assert stale.status_code == 409 and stale.get_json()["current_revision"] == 2
    entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.details["category_added"] == "marketing"


def test_removing_a_category_asks_again_and_needs_confirmation(admin_client, client, site):
    admin_client.post("/admin/sites/shop/categories/functional/remove")
    assert keys(site) == ["essential", "functional", "analytics"]
    admin_client.post("/admin/sites/shop/categories/functional/remove", data={"confirm": "yes"})
    assert keys(site) == ["essential", "analytics"]
    assert policies.current_revision(site) == 2
    assert config_of(client)["categories"] == ["essential", "analytics"]


def test_essential_cannot_be_removed_and_a_used_category_names_its_services(console, site):
    site.services.append(Service(key="ym", name="Yandex.Metrika", category="analytics"))
    db.session.commit()
    console.post("/admin/sites/shop/categories/essential/remove", data={"confirm": "yes"})
    console.post("/admin/sites/shop/categories/analytics/remove", data={"confirm": "yes"})
    assert keys(site) == ["essential", "functional", "analytics"]
    page = console.get("/admin/sites/shop/categories").get_data(as_text=True)
    assert "Move or remove its services first: Yandex.Metrika." in page


@pytest.mark.parametrize("key", ["Marketing", "m", "1ads", "ads-partners", "x" * 33, "essential",
                                 "title", "save", "functional_about", "analytics"])
def test_a_bad_or_taken_key_is_refused(admin_client, site, key):
    add(admin_client, key, title_kk="A", title_ru="A", title_en="A", always_show="y")
    assert keys(site) == ["essential", "functional", "analytics"]
    assert policies.current_revision(site) == 1


def test_an_own_category_needs_a_title_in_every_language(admin_client, client, site):
    add(admin_client, "push", title_kk="Хабарландыру", title_ru="Push", always_show="y")
    assert "push" not in keys(site)
    add(admin_client, "push", title_kk="Хабарландыру", title_ru="Push-уведомления",
        title_en="Push notices", description_ru="Сообщения о заказе", always_show="y")
    assert keys(site)[-1] == "push"
    ru = texts_of(client, "ru")
    assert ru["push"] == "Push-уведомления"
    # The description comes with the dialog's texts, on first opening.
    assert dialog_texts_of(client, "ru")["push_about"] == "Сообщения о заказе"
    assert texts_of(client, "kk")["push"] == "Хабарландыру"


def test_rename_per_language_keeps_the_revision(admin_client, client, site):
    admin_client.post("/admin/sites/shop/categories/analytics", data={
        "analytics-title_ru": "Статистика посещений", "analytics-always_show": "y"})
    assert policies.current_revision(site) == 1
    ru, kk = texts_of(client, "ru"), texts_of(client, "kk")
    assert ru["analytics"] == "Статистика посещений"
    # The other languages keep the catalogs' words.
    assert kk["analytics"] == "Аналитикалық cookie файлдары"


def test_reorder_keeps_essential_first_and_the_revision(admin_client, client, site):
    admin_client.post("/admin/sites/shop/categories/analytics/move", data={"to": "up"})
    assert keys(site) == ["essential", "analytics", "functional"]
    admin_client.post("/admin/sites/shop/categories/analytics/move", data={"to": "up"})
    assert keys(site) == ["essential", "analytics", "functional"]
    assert config_of(client)["categories"] == ["essential", "analytics", "functional"]
    assert policies.current_revision(site) == 1


def test_a_viewer_cannot_change_categories(client, site, viewer):
    from admin_helpers import login

    login(client, "viewer@shop.kz")
    assert client.get("/admin/sites/shop/categories").status_code == 200
    assert client.post("/admin/sites/shop/categories/functional/remove",
                       data={"confirm": "yes"}).status_code == 403


# --- What the banner shows -----------------------------------------------------------------


def test_a_category_nothing_uses_is_hidden_unless_the_operator_insists(admin_client, client, site):
    add(admin_client, "marketing")
    assert "marketing" in keys(site)
    assert config_of(client)["categories"] == ["essential", "functional", "analytics"]
    assert "marketing" not in texts_of(client)
    # A scan that found an element waiting for it shows it.
    db.session.add(ScanReport(site_id=site.id, actor="test", report={"gated": ["marketing"]}))
    db.session.commit()
    assert config_of(client)["categories"][-1] == "marketing"
    assert texts_of(client, "kk")["marketing"] == "Маркетингтік cookie файлдары"


def test_a_service_shows_its_category(admin_client, client, site):
    add(admin_client, "notifications")
    site.services.append(Service(key="push", name="OneSignal", category="notifications"))
    db.session.commit()
    assert config_of(client)["categories"][-1] == "notifications"
    assert texts_of(client, "ru")["notifications"] == "Уведомления"


# --- The API -------------------------------------------------------------------------------


@pytest.fixture
def notifying_site(site):
    categories.add(site, "notifications", always_show=True)
    categories.add(site, "marketing", always_show=True)
    db.session.commit()
    return site


def test_choices_follow_the_site_and_a_missing_category_is_not_granted(
    client, notifying_site, consent_body
):
    response = client.post("/api/v1/consents", json=consent_body(
        revision=3, choices={"notifications": True, "analytics": True}))
    assert response.status_code == 201
    event = db.session.scalar(select(ConsentEvent))
    assert event.choices == {"essential": True, "functional": False, "analytics": True,
                             "notifications": True, "marketing": False}
    receipt = response.get_json()["receipt"]
    verified = client.post("/api/v1/receipts/verify", json={"receipt": receipt})
    assert verified.get_json()["valid"] is True
    assert verified.get_json()["choices"]["notifications"] is True
    proof = client.post(f"/api/v1/consents/{event.consent_id}/proof",
                        json={"receipt": receipt})
    assert proof.get_json()["events"][0]["choices"]["marketing"] is False


def test_an_unknown_category_is_422_naming_it_and_records_nothing(client, site, consent_body):
    response = client.post("/api/v1/consents", json=consent_body(
        choices={"functional": True, "marketing": True}))
    assert response.status_code == 422
    assert "choices.marketing" in response.get_json()["fields"]
    assert db.session.scalar(select(ConsentEvent)) is None


def test_accept_all_must_grant_every_shown_category(client, notifying_site, consent_body):
    partial = client.post("/api/v1/consents", json=consent_body(
        revision=3, action="accept_all", choices={"functional": True, "analytics": True}))
    assert partial.status_code == 422 and "action" in partial.get_json()["fields"]
    whole = client.post("/api/v1/consents", json=consent_body(
        revision=3, action="accept_all", choices=dict.fromkeys(
            ["functional", "analytics", "notifications", "marketing"], True)))
    assert whole.status_code == 201


def test_old_clients_keep_working_where_the_site_has_their_categories(client, site, consent_body):
    response = client.post("/api/v1/consents", json=consent_body(
        choices={"essential": True, "functional": False, "analytics": True}))
    assert response.status_code == 201


def test_the_site_config_lists_the_categories(client, notifying_site):
    config = client.get("/api/v1/sites/shop/config").get_json()
    assert [c["key"] for c in config["categories"]] == [
        "essential", "functional", "analytics", "notifications", "marketing"]
    assert config["revision"] == 3


# --- Records: dashboard, export, preference page -------------------------------------------


def test_dashboard_shares_and_exports_follow_the_sites_categories(
    client, console, notifying_site, consent_body
):
    from datetime import timedelta

    from cookieconsent.accounts import users
    from cookieconsent.admin import stats
    from cookieconsent.models.types import utcnow

    for granted in ({"notifications": True}, {"notifications": True, "marketing": True}, {}):
        action = "custom" if granted else "reject_all"
        assert client.post("/api/v1/consents", json=consent_body(
            revision=3, choices=granted, action=action)).status_code == 201
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    figures = stats.figures(notifying_site, stats.Period(today, today + timedelta(days=1)))
    assert {c["key"]: c["granted"] for c in figures.categories} == {
        "functional": 0, "analytics": 0, "notifications": 2, "marketing": 1}
    page = console.get("/admin/sites/shop/dashboard").get_data(as_text=True)
    assert "Notifications" in page and "Marketing cookies" in page

    _, token = users.create_token("nightly", notifying_site)
    db.session.commit()
    lines = client.get("/api/v1/sites/shop/consents?format=jsonl",
                       headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
    exported = [json.loads(line)["choices"] for line in lines.splitlines()]
    assert [c["notifications"] for c in exported] == [True, True, False]
    assert [c["marketing"] for c in exported] == [False, True, False]


def test_the_preference_page_shows_the_sites_categories(client, notifying_site):
    categories.remove(notifying_site, "functional")
    db.session.commit()
    page = client.get("/preferences/shop", headers={"Accept-Language": "ru"}).get_data(
        as_text=True)
    assert 'name="notifications"' in page and 'name="marketing"' in page
    assert 'name="functional"' not in page
    assert "Уведомления" in page and "Маркетинговые файлы cookie" in page
    script_texts = json.loads(page.split('id="preferences-texts"', 1)[1].split(">", 1)[1]
                              .split("</script>", 1)[0])
    assert [key for key, _title in script_texts["categories"]] == [
        "essential", "analytics", "notifications", "marketing"]


def test_flask_sites_create_takes_well_known_categories(runner, app):
    result = runner.invoke(args=["sites", "create", "push", "--name", "Push", "--origin",
                                 "https://push.kz", "--category", "notifications",
                                 "--category", "analytics"])
    assert result.exit_code == 0, result.output
    from cookieconsent.models import Site

    site = db.session.scalar(select(Site).where(Site.key == "push"))
    assert [c.key for c in site.categories] == ["essential", "notifications", "analytics"]
    refused = runner.invoke(args=["sites", "create", "ads", "--name", "Ads", "--origin",
                                  "https://ads.kz", "--category", "adverts"])
    assert refused.exit_code != 0 and "adverts" in refused.output
    assert db.session.scalar(select(Site).where(Site.key == "ads")) is None


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_well_known_categories_have_words_in_kazakh_and_russian(app, language):
    from cookieconsent.models import Category

    for key in categories.DEFAULT_WORDS:
        words = categories.words(Category(key=key), language)
        english = categories.words(Category(key=key), "en")
        assert words[0] != english[0] and words[1] != english[1], (key, words)
