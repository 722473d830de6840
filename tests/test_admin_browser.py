"""The console in Chromium: from the first login to a downloaded CSV of proofs."""

import csv
import re

import pytest
from admin_helpers import PASSWORD

from cookieconsent.accounts import users
from cookieconsent.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def admin(app):
    users.create_operator("boss@shop.kz", PASSWORD, "admin")
    db.session.commit()


def publish(page, base, body, significant=True):
    page.click("a[href='/admin/sites/bazar/policies/new']")
    for lang in ("kk", "ru", "en"):
        page.fill(f"textarea[name=body_{lang}]", f"{body} ({lang})")
    if significant:
        page.check("input[name=significant]")
    page.click("form.settings button[type=submit]")
    page.click("[data-action=publish]")
    page.wait_for_selector(".badge.published")
    page.goto(base + "/admin/sites/bazar")
    return int(page.text_content("[data-revision]"))


def test_operator_walks_from_login_to_a_csv_export(page, live_server, admin, tmp_path):
    base = live_server.url
    failed = []  # every stylesheet and page must load (the browser's own favicon probe aside)
    page.on(
        "response",
        lambda r: (
            failed.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None
        ),
    )
    page.goto(base + "/admin/")
    page.fill("input[name=email]", "boss@shop.kz")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.narrow button[type=submit]")
    assert page.url.endswith("/admin/")

    page.click("a[href='/admin/sites/new']")
    page.fill("input[name=key]", "bazar")
    page.fill("input[name=name]", "Bazar <b>KZ</b>")
    page.fill("textarea[name=origins]", "https://bazar.example.kz")
    page.click("form.settings button[type=submit]")
    assert page.url.endswith("/admin/sites/bazar")
    assert page.text_content("h1") == "Bazar <b>KZ</b>"  # shown as text, not markup
    assert "/embed/bazar.js" in page.input_value("#embed-plain")
    assert page.text_content("[data-revision]") == "0"

    assert publish(page, base, "Бірінші нұсқа") == 1
    answer = page.request.post(
        base + "/api/v1/consents",
        data={
            "site": "bazar",
            "revision": 1,
            "choices": {"functional": True, "analytics": True},
            "language": "kk",
            "method": "banner",
            "action": "accept_all",
            "url": "https://bazar.example.kz/",
        },
        headers={"Origin": "https://bazar.example.kz"},
    ).json()
    consent_id = answer["consent_id"]
    assert publish(page, base, "Екінші нұсқа") == 2

    page.click("nav.sitenav a[href='/admin/sites/bazar/log']")
    page.fill("input[name=consent_id]", consent_id)
    page.click("form.filters button[type=submit]")
    page.click(f"a[href='/admin/sites/bazar/consents/{consent_id}']")
    assert page.get_attribute("[data-receipt-verifies]", "data-receipt-verifies") == "true"
    assert page.text_content("[data-consent-id]") == consent_id
    assert "Бірінші нұсқа (kk)" in page.text_content(".policy-text")
    page.emulate_media(media="print")
    assert not page.is_visible("header.top") and page.is_visible(".printed")
    page.emulate_media(media="screen")

    page.go_back()
    with page.expect_download() as download:
        page.click("[data-export=csv]")
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    assert re.match(r"consents-bazar-\d{8}T\d{6}Z\.csv", download.value.suggested_filename)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["consent_id"] for r in rows] == [consent_id]
    assert rows[0]["action"] == "accept_all" and rows[0]["site"] == "bazar"
    assert failed == []
