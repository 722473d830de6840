"""Pages show times in the site's time zone, named; the proof gives UTC beside them."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from cookieconsent.extensions import db
from cookieconsent.models import ConsentEvent


@pytest.fixture
def recorded_event(client, site, consent_body):
    answer = client.post("/api/v1/consents", json=consent_body(),
                         headers={"Origin": "https://shop.example.kz"})
    assert answer.status_code == 201, answer.get_json()
    return db.session.scalar(select(ConsentEvent)), answer.get_json()


def shown(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def test_the_console_shows_the_sites_zone_and_the_proof_adds_utc(admin_client, site,
                                                                  recorded_event):
    event, _ = recorded_event
    log = admin_client.get("/admin/sites/shop/log").get_data(as_text=True)
    assert f"{shown(event.created_at, 'Asia/Almaty')} (Asia/Almaty, UTC+05:00)" in log
    proof = admin_client.get(f"/admin/sites/shop/consents/{event.consent_id}")
    text = proof.get_data(as_text=True)
    assert f"{shown(event.created_at, 'Asia/Almaty')} (Asia/Almaty, UTC+05:00)" in text
    assert f"{shown(event.created_at, 'UTC')} UTC" in text


def test_a_site_elsewhere_shows_its_own_zone(admin_client, site, recorded_event):
    event, _ = recorded_event
    site.time_zone = "Europe/Berlin"
    db.session.commit()
    log = admin_client.get("/admin/sites/shop/log").get_data(as_text=True)
    offset = event.created_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%z")
    assert f"{shown(event.created_at, 'Europe/Berlin')} (Europe/Berlin, UTC{offset[:3]}:" in log


def test_the_console_refuses_a_zone_that_does_not_exist(admin_client, site):
    form = admin_client.get("/admin/sites/shop/edit").get_data(as_text=True)
    assert 'value="Asia/Almaty"' in form
    data = {"name": "Shop", "origins": "https://shop.example.kz", "languages": ["kk", "ru"],
            "default_language": "ru", "consent_lifetime_days": "365",
            "proof_retention_days": "1095", "form_retention_days": "1095",
            "time_zone": "Asia/Nowhere"}
    answer = admin_client.post("/admin/sites/shop/edit", data=data)
    assert 'id="time_zone-error"' in answer.get_data(as_text=True)
    db.session.refresh(site)
    assert site.time_zone == "Asia/Almaty"


@pytest.mark.browser
def test_the_preference_page_shows_the_decision_in_almaty_time(page, live_server, site,
                                                                recorded_event):
    event, answer = recorded_event
    page.goto(f"{live_server.url}/preferences/shop?lang=ru#receipt={answer['receipt']}")
    page.wait_for_selector("#decision:not([aria-busy])")
    text = page.locator("#decision").inner_text()
    local = event.created_at.astimezone(ZoneInfo("Asia/Almaty"))
    assert re.search(rf"{local.year}[^,]*, {local:%H:%M} \(Asia/Almaty\)", text), text
