"""Consent Mode v2 by category and Webvisor's own consent: the config and the console."""

from __future__ import annotations

import re

import pytest
from test_embed import config_of

from cookieconsent.extensions import db
from cookieconsent.models import Category, Site
from cookieconsent.sites import registry

ADS = ["ad_storage", "ad_user_data", "ad_personalization"]
EDIT = {
    "name": "Shop",
    "origins": "https://shop.example.kz",
    "languages": ["kk", "ru", "en"],
    "default_language": "ru",
    "consent_lifetime_days": "365",
    "proof_retention_days": "1095",
    "form_retention_days": "1095",
    "google_consent_mode": "y",
}


@pytest.fixture
def gcm_site(make_site):
    site = make_site()
    site.google_consent_mode = True
    db.session.commit()
    return site


def test_without_consent_mode_the_script_carries_no_mapping(client, site):
    assert "gcm" not in config_of(client.get("/embed/shop.js"))


def test_each_category_grants_its_default_signals_and_ads_only_with_marketing(
    client, gcm_site
):
    gcm = config_of(client.get("/embed/shop.js"))["gcm"]
    assert gcm["m"] == {
        "functional": {"functionality_storage": "granted", "personalization_storage": "granted"},
        "analytics": {"analytics_storage": "granted"}}
    assert gcm["d"] == {name: "denied" for name in ADS + [
        "analytics_storage", "functionality_storage", "personalization_storage"]} | {
        "security_storage": "granted"}
    assert "w" not in gcm and "s" not in gcm

    gcm_site.categories.append(Category(key="marketing", position=3))
    db.session.commit()
    assert config_of(client.get("/embed/shop.js"))["gcm"]["m"]["marketing"] == dict.fromkeys(
        ADS, "granted")


def test_the_three_settings_reach_the_script_only_when_set(client, gcm_site):
    gcm_site.consent_mode_wait_ms = 500
    gcm_site.url_passthrough = True
    db.session.commit()
    gcm = config_of(client.get("/embed/shop.js"))["gcm"]
    assert gcm["w"] == {"wait_for_update": 500} and gcm["s"] == {"url_passthrough": True}


def test_the_console_saves_a_mapping_and_shows_it_again(admin_client, gcm_site):
    lines = "functional: functionality_storage\nanalytics: analytics_storage, ad_storage"
    data = EDIT | {"consent_mode_signals": lines, "consent_mode_wait_ms": "800",
                   "ads_data_redaction": "y"}
    assert admin_client.post("/admin/sites/shop/edit", data=data).status_code == 302
    db.session.expire_all()
    # Only what differs from the defaults is stored.
    assert gcm_site.consent_mode_signals == {"functional": ["functionality_storage"],
                                             "analytics": ["ad_storage", "analytics_storage"]}
    assert gcm_site.consent_mode_wait_ms == 800 and gcm_site.ads_data_redaction
    page = admin_client.get("/admin/sites/shop/edit").get_data(as_text=True)
    assert "analytics: ad_storage, analytics_storage" in page
    assert "functional: functionality_storage\n" in page


@pytest.mark.parametrize(
    "field,value,named",
    [
        ("consent_mode_signals", "analytics: analytics_storage, ad_storrage", "ad_storrage"),
        ("consent_mode_signals", "marketing: ad_storage", "marketing"),
        ("consent_mode_signals", "analytics = analytics_storage", "analytics = analytics_storage"),
        ("consent_mode_wait_ms", "10001", None),
        ("consent_mode_wait_ms", "-1", None),
    ],
)
def test_a_bad_consent_mode_setting_names_the_field_and_saves_nothing(
    admin_client, gcm_site, field, value, named
):
    response = admin_client.post("/admin/sites/shop/edit", data=EDIT | {
        field: value, "name": "Renamed"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert set(re.findall(r'id="(\w+)-error"', page)) == {field}
    if named:
        error = re.search(rf'id="{field}-error">([^<]*)<', page)[1]
        assert named in error.replace("&#39;", "'").replace("&gt;", ">")
    db.session.expire_all()
    assert gcm_site.name == "Shop" and gcm_site.consent_mode_signals is None
    assert gcm_site.consent_mode_wait_ms == 0


def test_webvisor_in_the_console_is_a_service_under_the_category_chosen(admin_client, site):
    data = EDIT | {"metrika_counter_id": "12345678", "metrika_webvisor": "y",
                   "metrika_webvisor_category": "functional"}
    assert admin_client.post("/admin/sites/shop/edit", data=data).status_code == 302
    db.session.expire_all()
    assert registry.webvisor_category(site) == "functional"
    assert site.metrika_options["webvisor"] is True
    del data["metrika_webvisor"]
    assert admin_client.post("/admin/sites/shop/edit", data=data).status_code == 302
    db.session.expire_all()
    assert registry.webvisor_category(site) is None
    assert [s.key for s in db.session.get(Site, site.id).services] == ["yandex-metrika"]
